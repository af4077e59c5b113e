"""utils: the solver, data loading and gradient checking given to students."""
