"""The testing package's public surface: an explicit, sorted, complete and documented
``__all__``, and private modules that each declare theirs."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from chime_speaker_search import testing
from chime_speaker_search._clock import ManualClock


def test_all_is_sorted_and_everything_in_it_exists_and_is_documented() -> None:
    assert testing.__all__ == sorted(testing.__all__)
    for name in testing.__all__:
        member = getattr(testing, name)
        assert inspect.getdoc(member), name


def test_manual_clock_is_the_librarys_own() -> None:
    assert testing.ManualClock is ManualClock


def test_public_names_of_classes_are_documented() -> None:
    for name in ("LocalSpeakerSearchService", "ScaledClock", "DemoSeed"):
        cls = getattr(testing, name)
        for attribute, value in vars(cls).items():
            if attribute.startswith("_") or (
                not callable(value) and not isinstance(value, property)
            ):
                continue
            assert inspect.getdoc(value), f"{name}.{attribute}"


def test_every_private_module_declares_all() -> None:
    for info in pkgutil.iter_modules(testing.__path__):
        module = importlib.import_module(f"{testing.__name__}.{info.name}")
        assert isinstance(module.__all__, list), info.name
        assert all(hasattr(module, name) for name in module.__all__), info.name
