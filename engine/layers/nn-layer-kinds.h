/* nn-layer-kinds.h: the registry of layer kinds, one line each.
 *
 * NN_LAYER_KIND (ID, name): the enum value NN_LAYER_<ID>, the operations
 * table nn_layer_<name>_ops, defined in engine/layers/nn-layer-<name>.c
 * (with '_' written '-'). The order is the enum's (and the palette's);
 * append new kinds at the end. This file is read by the preprocessor
 * (nn-layer.h, nn-layer-registry.c) and by engine/meson.build, which
 * compiles one source file per line: see README.md beside it.
 *
 * No #pragma once: it is included more than once, with different macros.
 */
NN_LAYER_KIND (DENSE, dense)
NN_LAYER_KIND (RELU, relu)
NN_LAYER_KIND (LEAKY_RELU, leaky_relu)
NN_LAYER_KIND (SIGMOID, sigmoid)
NN_LAYER_KIND (TANH, tanh)
NN_LAYER_KIND (SOFTMAX, softmax)
NN_LAYER_KIND (DROPOUT, dropout)
NN_LAYER_KIND (FLATTEN, flatten)
NN_LAYER_KIND (CONV, conv)
NN_LAYER_KIND (MAXPOOL, maxpool)
NN_LAYER_KIND (AVGPOOL, avgpool)
NN_LAYER_KIND (BATCHNORM, batchnorm)
