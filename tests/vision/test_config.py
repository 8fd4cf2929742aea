import pytest

from videobert.utils.config import ConfigError
from videobert.vision.config import DistillConfig


@pytest.mark.parametrize("field", ["mixup", "cutmix", "weight_decay", "warmup_epochs"])
def test_a_negative_value_is_named_with_its_own_value(field):
    with pytest.raises(ConfigError, match=rf"invalid config field '{field}' = -1: must be >= 0"):
        DistillConfig(**{field: -1})


def test_rand_augment_is_a_timm_spec_or_empty():
    with pytest.raises(ConfigError, match=r"'rand_augment' = 'none': must be a timm RandAugment spec"):
        DistillConfig(rand_augment="none")
    assert DistillConfig(rand_augment="").rand_augment == ""  # off
    assert DistillConfig(rand_augment="rand-m5-n1").rand_augment == "rand-m5-n1"
