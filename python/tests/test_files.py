"""The same model files as the program: saved here, read there, and the reverse, to the bit."""
import csv
import os
import subprocess

import numpy as np
import pandas as pd
import pytest

import ndnet
from ndnet import NdnetClassifier, NdnetRegressor


def column(path, name):
    """A CSV column's numbers, each parsed by Python's exact `float`."""
    with open(path, newline="") as file:
        return np.array([float(row[name]) for row in csv.DictReader(file)])


def run(program, *args):
    out = subprocess.run([program, *args], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out


def test_a_file_saved_here_predicts_the_same_bits_in_the_program(program, table, tmp_path):
    X, y = table
    model = NdnetRegressor(members=4, epochs=20, random_state=3).fit(X, y)
    path = model.save(tmp_path / "model.safetensors")
    assert os.listdir(tmp_path) == ["model.safetensors"]  # no staging file left behind
    X.to_csv(tmp_path / "rows.csv", index=False)
    run(program, "predict", "--model", path, "--data", str(tmp_path / "rows.csv"), "--out", str(tmp_path / "p.csv"))
    theirs = column(tmp_path / "p.csv", "predicted_target")
    assert theirs.tobytes() == model.predict(X).tobytes()


def test_a_file_the_program_wrote_predicts_the_same_bits_here(program, table, tmp_path):
    X, y = table
    frame = X.assign(price=y)
    frame.to_csv(tmp_path / "houses.csv", index=False)
    args = ["--data", str(tmp_path / "houses.csv"), "--target", "price", "--epochs", "20", "--quiet"]
    run(program, "train", *args, "--out", str(tmp_path / "run"))
    weights = tmp_path / "run" / "weights.safetensors"
    run(program, "predict", "--model", str(weights), "--data", str(tmp_path / "houses.csv"), "--out", str(tmp_path / "p.csv"))
    theirs = column(tmp_path / "p.csv", "predicted_price")
    model = ndnet.load(weights)
    assert isinstance(model, NdnetRegressor)
    assert list(model.feature_names_in_) == list(X.columns)
    assert model.predict(X).tobytes() == theirs.tobytes()


def test_a_classifier_file_keeps_its_labels(program, tmp_path):
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"a": rng.normal(size=150), "b": rng.normal(size=150)})
    y = np.where(X["a"] + X["b"] > 0, "yes", "no")
    model = NdnetClassifier(epochs=20, random_state=0).fit(X, y)
    loaded = ndnet.load(model.save(tmp_path / "m.safetensors"))
    assert isinstance(loaded, NdnetClassifier)
    assert loaded.classes_.tolist() == ["no", "yes"]
    assert loaded.predict_proba(X).tobytes() == model.predict_proba(X).tobytes()
    assert (loaded.predict(X) == model.predict(X)).all()


def test_damaged_foreign_and_newer_files_raise_value_error(table, tmp_path):
    X, y = table
    data = bytearray(NdnetRegressor(epochs=5, random_state=0).fit(X, y).model_bytes_)
    data[-3] ^= 0x40
    (tmp_path / "damaged.safetensors").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="the file is damaged"):
        ndnet.load(tmp_path / "damaged.safetensors")
    (tmp_path / "text.safetensors").write_text("not a model")
    with pytest.raises(ValueError, match="not a safetensors file"):
        ndnet.load(tmp_path / "text.safetensors")
