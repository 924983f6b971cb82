from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (clone beside ../shared)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def france():
    from accesssim.geo import territory

    return territory.load()
