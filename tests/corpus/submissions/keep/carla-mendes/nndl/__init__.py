# nndl package for ECE C147/C247 (course starter)
from .neural_net import *
from .layer_tests import *
