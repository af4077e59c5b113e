from .layers import *
from .layer_utils import *
from .neural_net import *
from .layer_tests import *
