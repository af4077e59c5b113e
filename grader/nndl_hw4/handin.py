"""What a hand-in may hold: the file names and size caps that staging, the sandbox workspace and
the final part's scorer share (a small module, so the scorer need not import the grading engine)."""

from .course import MODULES

REQUIRED_MODULES = MODULES          # nndl/<module>.py a complete submission holds
MODEL_FILE = "model.npz"            # the final part's saved model
MAX_MODEL_BYTES = 64 << 20
MAX_MODULE_BYTES = 1 << 20          # one student module
MAX_MODULES = 64                    # Python files in nndl/
MAX_DEPTH = 2                       # nndl/ may sit this many folders below the top
