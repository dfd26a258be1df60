"""Settings read from the environment: a mistyped value stops the service
at start with the setting's name, rather than running with a guess."""

import pytest

from moderation import create_app
from moderation.config import from_environment


@pytest.mark.parametrize(
    ("given", "served"),
    [("", "all"), ("decisive", "decisive"), ("OFF", "off"), ("on", "all"), ("0", "off")],
)
def test_the_on_topic_encoder_setting_takes_its_three_values_and_the_old_switch(
    monkeypatch, tmp_path, given, served
):
    monkeypatch.setenv("MODERATION_ON_TOPIC_ENCODER", given)
    assert from_environment(str(tmp_path))["MODERATION_ON_TOPIC_ENCODER"] == served


def test_an_unknown_on_topic_encoder_setting_is_refused_with_the_values_it_takes(
    monkeypatch, tmp_path
):
    monkeypatch.setenv("MODERATION_ON_TOPIC_ENCODER", "sometimes")
    with pytest.raises(
        ValueError, match="MODERATION_ON_TOPIC_ENCODER must be one of all, decisive, off"
    ):
        from_environment(str(tmp_path))


def test_a_mistyped_encoder_setting_in_an_app_config_stops_the_start():
    with pytest.raises(ValueError, match="MODERATION_ON_TOPIC_ENCODER"):
        create_app({"MODERATION_ON_TOPIC_ENCODER": "sometimes", "TESTING": True})


def test_the_abuse_encoder_setting_takes_all_decisive_or_off_and_refuses_others(
    monkeypatch, tmp_path
):
    monkeypatch.setenv("MODERATION_ABUSE_ENCODER", "OFF")
    assert from_environment(str(tmp_path))["MODERATION_ABUSE_ENCODER"] == "off"
    monkeypatch.setenv("MODERATION_ABUSE_ENCODER", "Decisive")
    assert from_environment(str(tmp_path))["MODERATION_ABUSE_ENCODER"] == "decisive"
    with pytest.raises(
        ValueError, match="MODERATION_ABUSE_ENCODER must be one of all, decisive, off"
    ):
        create_app({"MODERATION_ABUSE_ENCODER": "sometimes", "TESTING": True})
