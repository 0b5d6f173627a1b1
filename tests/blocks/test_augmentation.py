"""ImageAugmentation meets the block contract; it is the identity at inference."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from easynas.blocks import ImageAugmentation
from tests.blocks import _harness as h

ALL_ON = {"translation": 0.1, "horizontal_flip": True, "vertical_flip": True,
          "rotation": 0.05, "contrast": 0.2, "zoom": 0.1}


def test_image_augmentation_config_round_trip():
    h.check_config_round_trip(ImageAugmentation())
    h.check_config_round_trip(ImageAugmentation(rotation=[0.0, 0.1], seed=3, name="a"))


def test_image_augmentation_default_is_mild_translation_only():
    hp, model = h.build(ImageAugmentation(name="a"), (8, 8, 1))
    assert hp.values == {"translation": 0.1, "horizontal_flip": False, "vertical_flip": False,
                         "rotation": 0.0, "contrast": 0.0, "zoom": 0.0}
    assert h.layer_names(model)[1:] == ["a_translation"]
    assert tuple(model.output.shape) == (None, 8, 8, 1)


def test_image_augmentation_fixed_arguments_are_used_not_searched():
    _, model = h.check_fixed_not_registered(ImageAugmentation(**ALL_ON, name="a"), (7, 12, 3),
                                            ALL_ON)
    assert h.layer_names(model)[1:] == [
        "a_translation", "a_horizontal_flip", "a_vertical_flip", "a_rotation", "a_contrast",
        "a_zoom",
    ]
    assert model.get_layer("a_horizontal_flip").mode == "horizontal"
    assert model.get_layer("a_vertical_flip").mode == "vertical"
    assert tuple(model.output.shape) == (None, 7, 12, 3)


def test_image_augmentation_zero_factors_leave_layers_out():
    off = dict.fromkeys(["translation", "rotation", "contrast", "zoom"], 0.0)
    off.update(horizontal_flip=False, vertical_flip=False)
    hp, model = h.build(ImageAugmentation(**off, name="a"), (8, 8, 1))
    assert hp.values == {}
    assert model.output is model.input


def test_image_augmentation_list_arguments_register_exact_choices():
    listed = {"translation": [0.2, 0.0], "horizontal_flip": [True, False], "zoom": [0.1, 0.3]}
    h.check_list_registers_choice(ImageAugmentation(**listed, name="a"), (8, 8, 1), listed)


def test_image_augmentation_is_identity_at_inference():
    _, model = h.build(ImageAugmentation(**ALL_ON, name="a"), (7, 12, 3))
    images = np.random.default_rng(0).normal(size=(4, 7, 12, 3)).astype("float32")
    np.testing.assert_array_equal(model.predict(images, verbose=0), images)
    changed = np.asarray(model(images, training=True))
    assert not np.allclose(changed, images)


def test_image_augmentation_seeds_are_deterministic():
    def seeds(block):
        _, model = h.build(block, (8, 8, 1))
        return [layer.seed for layer in model.layers[1:]]

    assert seeds(ImageAugmentation(**ALL_ON, name="a")) == seeds(
        ImageAugmentation(**ALL_ON, name="a")
    )
    assert seeds(ImageAugmentation(**ALL_ON, seed=7)) == [7, 8, 9, 10, 11, 12]


def test_image_augmentation_contrast_keeps_standardised_pixels_unclipped():
    _, model = h.build(ImageAugmentation(translation=0.0, contrast=0.5, name="a"), (4, 4, 1))
    images = np.full((2, 4, 4, 1), -3.0, dtype="float32")
    images[:, 0, 0, 0] = 2.0
    out = np.asarray(model(images, training=True))
    assert out.min() < 0  # a [0, 255] clip would have zeroed every negative pixel


def test_image_augmentation_trains_one_step_in_graph_mode(seed):
    _, model = h.build(ImageAugmentation(**ALL_ON, name="a"), (8, 8, 1))
    h.check_trains_one_step(model, seed, eager=False)


@pytest.mark.parametrize(
    "argument, bad",
    [("translation", [1.0, -0.1, "0.1"]), ("horizontal_flip", ["horizontal", 1]),
     ("rotation", [[0.1, 2.0]]), ("zoom", [True]), ("seed", [-1, 1.5, "0", [1, 2]])],
)
def test_image_augmentation_rejects_bad_values(argument, bad):
    h.check_rejects(ImageAugmentation, argument, bad)


def test_image_augmentation_needs_images():
    with pytest.raises(ValueError, match="needs images"):
        ImageAugmentation().build(None, [keras.Input((8,))])
