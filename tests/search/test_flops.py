"""FLOPs counted layer by layer, checked against numbers worked out by hand."""

from __future__ import annotations

import keras

from easynas.search._flops import count_flops, layer_flops


def test_count_flops_of_a_small_cnn_matches_the_hand_count():
    inp = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(4, 3)(inp)                              # -> (6, 6, 4)
    x = keras.layers.DepthwiseConv2D(3, padding="same")(x)          # -> (6, 6, 4)
    x = keras.layers.SeparableConv2D(8, 3, padding="same")(x)       # -> (6, 6, 8)
    x = keras.layers.GlobalAveragePooling2D()(x)                    # -> (8,)
    out = keras.layers.Dense(10)(x)
    model = keras.Model(inp, out)
    conv = 2 * (3 * 3 * 1) * (6 * 6 * 4) + 6 * 6 * 4               # 2 per MAC + bias
    depthwise = 2 * (3 * 3) * (6 * 6 * 4) + 6 * 6 * 4
    separable = 2 * 36 * 9 * 4 + 2 * 36 * 4 * 8 + 36 * 8
    pooling = 6 * 6 * 8
    dense = 2 * 8 * 10 + 10
    assert [layer_flops(layer) for layer in model.layers[1:]] == [
        conv, depthwise, separable, pooling, dense
    ]
    assert count_flops(model) == conv + depthwise + separable + pooling + dense == 11114


def test_count_flops_of_attention_and_recurrent_layers_matches_the_hand_count():
    inp = keras.Input((5,), dtype="int32")
    x = keras.layers.Embedding(20, 6)(inp)                           # a lookup: 0
    x = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3)(x, x)  # -> (5, 6)
    x = keras.layers.LSTM(4)(x)
    out = keras.layers.Dense(2)(x)
    model = keras.Model(inp, out)
    projections = 3 * (5 * 6 * 2 * 3)            # query, key, value: T * d * heads * key_dim
    products = 2 * (2 * 5 * 5 * 3)               # scores and weighted values
    output = 5 * 2 * 3 * 6
    attention = 2 * (projections + products + output) + (2 * 3 * 5 * 3 + 5 * 6) + 2 * 5 * 5
    lstm = 5 * (2 * 4 * (6 + 4) * 4 + 4 * 4)     # 5 steps of 4 gates, + biases
    dense = 2 * 4 * 2 + 2
    assert [layer_flops(layer) for layer in model.layers[1:]] == [0, attention, lstm, dense]
    assert count_flops(model) == attention + lstm + dense == 3908


def test_count_flops_counts_einsum_dense_bidirectional_and_nested_models():
    inner_in = keras.Input((4,))
    inner = keras.Model(inner_in, keras.layers.Dense(3)(inner_in))
    inp = keras.Input((7, 4))
    x = keras.layers.Bidirectional(keras.layers.GRU(2, return_sequences=True))(inp)  # (7, 4)
    x = keras.layers.EinsumDense("abc,cd->abd", output_shape=(7, 5), bias_axes="d")(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(4)(x)
    model = keras.Model(inp, inner(x))
    # two directions, 7 steps, 3 gates; reset_after (the default) has two biases per gate
    gru = 2 * 7 * (2 * 3 * (4 + 2) * 2 + 2 * 3 * 2)
    einsum = 2 * 7 * 4 * 5 + 7 * 5
    dense = 2 * 35 * 4 + 4
    nested = 2 * 4 * 3 + 3
    assert count_flops(model) == gru + einsum + dense + nested
