import pytest

from models.registry import (
    ModelNotFound,
    activate,
    active_dir,
    new_version_dir,
    read_card,
    write_card,
)


def test_new_versions_do_not_replace_the_active_one_until_activated(tmp_path):
    v1 = new_version_dir(tmp_path, "purpose")
    write_card(v1, {"macro_f1": 0.9})
    activate(tmp_path, "purpose", v1.name)
    v2 = new_version_dir(tmp_path, "purpose")
    assert v2.name == "v2"
    assert active_dir(tmp_path, "purpose") == v1
    activate(tmp_path, "purpose", "v2")
    assert active_dir(tmp_path, "purpose") == v2
    assert read_card(v1) == {"macro_f1": 0.9}


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ModelNotFound, match="no active purpose model"):
        active_dir(tmp_path, "purpose")
