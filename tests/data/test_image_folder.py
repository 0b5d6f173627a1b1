"""A directory of class folders of images becomes (images, labels)."""

import logging

import numpy as np
import pytest
from PIL import Image

from easynas.data._adapters import read_source
from easynas.data._analysis import analyze_classification_target, analyze_images
from easynas.data._image_folder import read_image_folder
from easynas.exceptions import InvalidDataError


def _write(folder, name, array):
    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(folder / name)


@pytest.fixture
def grey_folder(tmp_path, digits):
    """Real digits as 8x8 grey PNGs: classes 'one' and 'zero', two images each."""
    x, y = digits
    root = tmp_path / "digits"
    for label, name in ((0, "zero"), (1, "one")):
        for i, image in enumerate(x[y == label][:2]):
            _write(root / name, f"{i}.png", (image * 15).astype(np.uint8))
    return root


def test_read_image_folder_reads_grey_images_and_folder_labels(grey_folder, digits):
    x, labels = read_image_folder(str(grey_folder))
    assert x.shape == (4, 8, 8) and x.dtype == np.uint8
    assert labels.dtype == object and labels.tolist() == ["one", "one", "zero", "zero"]
    expected = (digits[0][digits[1] == 1][0] * 15).astype(np.uint8)
    np.testing.assert_array_equal(x[0], expected)  # PNG is lossless
    spec = analyze_classification_target(labels)
    assert spec.label_format == "str" and spec.classes == ("one", "zero")


def test_read_source_reads_a_folder_by_str_or_path(grey_folder):
    for source in (grey_folder, str(grey_folder)):
        x, labels = read_source(source, None)
        assert x.shape == (4, 8, 8) and len(labels) == 4


def test_mixed_sizes_are_resized_to_the_most_common(tmp_path, caplog, seed):
    rng = np.random.default_rng(seed)
    for i in range(3):
        _write(tmp_path / "a", f"{i}.png", rng.integers(0, 256, (6, 10), dtype=np.uint8))
    _write(tmp_path / "b", "big.png", rng.integers(0, 256, (12, 5), dtype=np.uint8))
    _write(tmp_path / "b", "small.png", rng.integers(0, 256, (3, 3), dtype=np.uint8))
    with caplog.at_level(logging.INFO, logger="easynas.data._image_folder"):
        x, labels = read_image_folder(str(tmp_path))
    assert x.shape == (5, 6, 10)  # height 6, width 10, as three of the five images
    assert labels.tolist() == ["a", "a", "a", "b", "b"]
    assert "Resized 2 of 5 images to 10x6" in caplog.text


def test_grey_mixed_with_colour_becomes_rgb(tmp_path, seed):
    rng = np.random.default_rng(seed)
    grey = rng.integers(0, 256, (7, 9), dtype=np.uint8)
    _write(tmp_path / "grey", "g.png", grey)
    _write(tmp_path / "rgb", "c.png", rng.integers(0, 256, (7, 9, 3), dtype=np.uint8))
    _write(tmp_path / "rgba", "a.png", rng.integers(0, 256, (7, 9, 4), dtype=np.uint8))
    x, labels = read_image_folder(str(tmp_path))
    assert x.shape == (3, 7, 9, 3)
    assert labels.tolist() == ["grey", "rgb", "rgba"]
    for channel in range(3):  # a grey image is repeated across R, G and B
        np.testing.assert_array_equal(x[0, ..., channel], grey)
    spec = analyze_images(x)
    assert spec.channels == 3


def test_sixteen_bit_grey_is_scaled_not_clipped(tmp_path):
    ramp = (np.arange(16, dtype=np.uint16) * 4369).reshape(4, 4)  # 0 .. 65535
    _write(tmp_path / "a", "ramp.png", ramp)
    _write(tmp_path / "b", "ramp.png", ramp)
    x, _ = read_image_folder(str(tmp_path))
    assert x.shape == (2, 4, 4)
    np.testing.assert_array_equal(x[0].ravel(), np.arange(16) * 17)  # 0 .. 255, in order


def test_hidden_and_non_image_files_are_skipped(grey_folder):
    (grey_folder / "zero" / "notes.txt").write_text("not an image")
    (grey_folder / "zero" / ".hidden.png").write_bytes(b"junk")
    (grey_folder / ".cache").mkdir()
    (grey_folder / "README.md").write_text("# digits")
    x, labels = read_image_folder(str(grey_folder))
    assert len(x) == 4 and set(labels) == {"zero", "one"}


def test_read_image_folder_names_what_is_wrong(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidDataError, match="must hold one sub-folder per class; it has none"):
        read_image_folder(str(tmp_path / "empty"))
    (tmp_path / "no_images" / "cat").mkdir(parents=True)
    with pytest.raises(InvalidDataError, match="class folders hold no images with extensions"):
        read_image_folder(str(tmp_path / "no_images"), argument="validation_data")
    broken = tmp_path / "broken" / "cat"
    broken.mkdir(parents=True)
    (broken / "bad.png").write_bytes(b"not a png")
    with pytest.raises(InvalidDataError, match="x: cannot read the image .*bad.png"):
        read_image_folder(str(tmp_path / "broken"))


def test_a_search_fits_and_predicts_from_an_image_folder(tmp_path, digits, fast):
    import tensorflow as tf

    import easynas as en

    x, y = digits
    root = tmp_path / "digits"
    for i, (image, label) in enumerate(zip(x, y)):
        _write(root / f"class_{label}", f"{i:02d}.png", (image * 15).astype(np.uint8))
    validation = tf.data.Dataset.from_tensor_slices(
        ((x[:16] * 15).astype(np.uint8), [f"class_{v}" for v in y[:16]])
    ).batch(8)
    image = en.ImageInput()
    block = en.blocks.ConvBlock(num_blocks=1, num_layers=1, filters=8)
    model = en.AutoModel(image, en.ClassificationHead()(block(image)), **fast)
    model.fit(root, validation_data=validation)  # string labels from the folder names
    predicted = model.predict(root)
    assert predicted.shape == (64,)
    assert set(predicted) <= {f"class_{v}" for v in range(10)}
    assert model.spec_.targets[0].label_format == "str"
