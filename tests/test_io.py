import numpy as np
import pytest

from accesssim.util import files as aio


def test_npz_bytes_are_deterministic_and_readable(tmp_path):
    arrays = {"b": np.arange(5), "a": np.array(["x", "yz"])}
    one, two = (
        aio.npz_bytes(arrays, {"k": 1}),
        aio.npz_bytes(dict(reversed(arrays.items())), {"k": 1}),
    )
    assert one == two
    sha = aio.write_npz(tmp_path / "f.npz", arrays, {"k": 1})
    assert sha == aio.sha256_file(tmp_path / "f.npz")
    back, meta = aio.read_npz(tmp_path / "f.npz")
    assert meta == {"k": 1} and back["a"].tolist() == ["x", "yz"]
    np.testing.assert_array_equal(np.load(tmp_path / "f.npz")["b"], np.arange(5))


def test_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(TypeError):
        aio.write_npz(tmp_path / "f.npz", {"o": np.array([object()], dtype=object)})
    assert list(tmp_path.iterdir()) == []
