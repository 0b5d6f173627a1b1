"""ImageBlock: the searched choice of vision stack, with conditional hyperparameters."""

from __future__ import annotations

import keras
import keras_tuner as kt
import pytest

from easynas.blocks import ImageBlock
from easynas.data._spec import ClassificationTargetSpec, DataSpec, ImageSpec
from easynas.graph import ClassificationHead, Graph, ImageInput
from easynas.search._space import defaults
from tests.blocks import _harness as h

DEFAULTS = {
    "image_block/block_type": "conv",
    "image_block/augment": False,
    "image_block/conv/num_blocks": 2,
    "image_block/conv/num_layers": 2,
    "image_block/conv/filters": 32,
    "image_block/conv/kernel_size": 3,
    "image_block/conv/separable": False,
    "image_block/conv/batch_norm": True,
    "image_block/conv/dropout": 0.0,
    "image_block/reduction/method": "global_avg",
}


def build_scoped(block, shape, values=None):
    """Build as the graph does: inside the block's name scope."""
    keras.backend.clear_session(free_memory=False)
    hp = kt.HyperParameters()
    hp.values.update(values or {})
    inputs = keras.Input(shape, name="image")
    with hp.name_scope(block.name):
        outputs = block.build(hp, [inputs])
    return hp, keras.Model(inputs, outputs)


def test_image_block_config_round_trip():
    h.check_config_round_trip(ImageBlock())
    h.check_config_round_trip(
        ImageBlock(block_type=["conv", "mbconv"], augment=True, reduction="flatten", name="i")
    )


def test_image_block_default_candidate_is_conv_without_augmentation():
    hp, model = build_scoped(ImageBlock(name="image_block"), (8, 8, 1))
    assert hp.values == DEFAULTS
    assert tuple(model.output.shape) == (None, 64)
    names = h.layer_names(model)[1:]
    assert all(n.startswith("image_block_conv_") for n in names[:-1])
    assert names[-1] == "image_block_reduction_global_avg"


@pytest.mark.parametrize("block_type", ["conv", "resnet", "mbconv"])
@pytest.mark.parametrize("shape", [(8, 8, 1), (7, 12, 3)])
def test_image_block_builds_every_block_type(block_type, shape):
    hp, model = build_scoped(ImageBlock(name="image_block"), shape,
                             {"image_block/block_type": block_type})
    assert len(model.output.shape) == 2
    h.check_spatial_bounds(model)
    assert any(n.startswith(f"image_block_{block_type}_") for n in h.layer_names(model))
    # Only the chosen stack's hyperparameters are active.
    scopes = {name.split("/")[1] for name in hp.values if name.count("/") == 2}
    assert scopes == {block_type, "reduction"}
    # ... and they are conditional on block_type (KerasTuner finds the other
    # stacks' by building again with their scopes activated; see below).
    for param in hp.space:
        if param.name.startswith(f"image_block/{block_type}/"):
            (condition,) = param.conditions
            assert condition.name == "image_block/block_type"
            assert list(condition.values) == [block_type]


def test_image_block_augment_puts_augmentation_first():
    hp, model = build_scoped(ImageBlock(block_type="resnet", name="image_block"), (8, 8, 1),
                             {"image_block/augment": True})
    assert h.layer_names(model)[1] == "image_block_augmentation_translation"
    assert hp.values["image_block/augmentation/translation"] == 0.1
    assert hp.values["image_block/augmentation/horizontal_flip"] is False


def test_image_block_fixed_arguments_register_nothing_conditional():
    block = ImageBlock(block_type="mbconv", augment=False, reduction="flatten", name="i")
    hp, model = build_scoped(block, (8, 8, 1))
    assert not {"i/block_type", "i/augment", "i/reduction/method"} & set(hp.values)
    assert all(not p.conditions for p in hp.space)
    assert all(name.startswith("i/mbconv/") for name in hp.values)
    assert isinstance(model.layers[-1], keras.layers.Flatten)


def test_image_block_list_arguments_register_exact_choices():
    block = ImageBlock(block_type=["resnet", "conv"], augment=[True, False],
                       reduction=["global_max"], name="i")
    hp, model = build_scoped(block, (8, 8, 1))
    space = h.registered(hp)
    assert list(space["i/block_type"].values) == ["resnet", "conv"]
    assert hp.values["i/block_type"] == "resnet"
    assert hp.values["i/augment"] is True
    assert list(space["i/reduction/method"].values) == ["global_max"]
    assert not any(name.startswith("i/mbconv/") for name in space)
    parents = {c.name for p in hp.space for c in p.conditions}
    assert parents == {"i/block_type", "i/augment"}


def test_image_block_layer_names_are_deterministic():
    _, first = build_scoped(ImageBlock(name="image_block"), (8, 8, 1),
                            {"image_block/block_type": "mbconv", "image_block/augment": True})
    _, second = build_scoped(ImageBlock(name="image_block"), (8, 8, 1),
                             {"image_block/block_type": "mbconv", "image_block/augment": True})
    assert h.layer_names(first) == h.layer_names(second)
    assert len(set(h.layer_names(first))) == len(first.layers)


def test_image_block_under_keras_tuner_exposes_conditional_space(tmp_path):
    image = ImageInput()
    graph = Graph.from_nodes(image, ClassificationHead()(ImageBlock()(image)))
    spec = DataSpec(
        inputs=(ImageSpec((8, 8), "uint8", (0.0,), (1.0,), 16),),
        targets=(ClassificationTargetSpec((0, 1, 2), "int", 16),),
    )
    tuner = kt.RandomSearch(
        hypermodel=lambda hp: graph.build(hp, spec), objective="val_loss", max_trials=1,
        directory=str(tmp_path), project_name="image_block",
    )
    space = tuner.oracle.get_space()
    by_name = h.registered(space)
    for block_type in ("conv", "resnet", "mbconv"):
        conditional = [n for n in by_name if n.startswith(f"image_block/{block_type}/")]
        assert conditional, f"no {block_type} hyperparameters declared"
        for name in conditional:
            (condition,) = by_name[name].conditions
            assert condition.name == "image_block/block_type"
            assert list(condition.values) == [block_type]
    (augment_condition,) = by_name["image_block/augmentation/translation"].conditions
    assert augment_condition.name == "image_block/augment"
    assert {k: v for k, v in defaults(space).items() if k.startswith("image_block/")} == DEFAULTS


def test_image_block_default_candidate_trains_one_step_in_graph_mode(seed):
    _, model = build_scoped(ImageBlock(name="image_block"), (8, 8, 1))
    h.check_trains_one_step(model, seed, eager=False)


@pytest.mark.parametrize(
    "argument, bad",
    [("block_type", ["vgg", ["conv", "efficientnet"], []]), ("augment", ["yes", 0]),
     ("reduction", ["avg", ["flatten", None]])],
)
def test_image_block_rejects_bad_values(argument, bad):
    h.check_rejects(ImageBlock, argument, bad)


def test_image_block_needs_images():
    with pytest.raises(ValueError, match="needs images"):
        ImageBlock().build(kt.HyperParameters(), [keras.Input((8,))])
