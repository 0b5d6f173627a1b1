# The two commands: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# CPU build of TensorFlow by default; `make demo TF_EXTRA=gpu` on a CUDA machine.
TF_EXTRA ?= cpu
STAMP := $(VENV)/.installed-$(TF_EXTRA)

.PHONY: install demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(TF_EXTRA),dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/python tutorials/digits_quickstart.py

# Tests run two at a time (pytest-xdist, one module per worker), then the ones
# that assert on wall-clock time (marked `serial` in tests/conftest.py) alone.
TEST_WORKERS ?= 2

test: install
	$(BIN)/python -m pytest tests -n $(TEST_WORKERS) --dist loadfile -m "not serial" --durations=25
	$(BIN)/python -m pytest tests -m serial --durations=10

lint: install
	$(BIN)/ruff check easynas tests benchmarks tutorials

bench: install
	$(BIN)/python -m benchmarks.run --suite image

clean:
	rm -rf $(VENV) demo_output easynas_projects
