"""nndl: the layers, optimizers and networks of HW4 (student code)."""
