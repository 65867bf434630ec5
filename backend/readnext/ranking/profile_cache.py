"""The last profile built, shared by concurrent requests, and the rule for when it may serve.

A profile is built from the history and the papers at one version of each; both versions only grow. One thread
builds at a time; a caller waits for the build under way when that build knows what the caller knows. When it
does not (events came after it started) and only reading happened since the last profile (one more view changes
a list a little), the last profile serves, so concurrent requests do not queue behind build after build; a
save, a dismissal or a forget (the history's decisive version) is never left out.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

from .profile import Profile


@dataclass(frozen=True)
class Version:
    """What a profile was built from: the history's version and the papers' version."""
    history: int
    papers: int

    def covers(self, other: Version) -> bool:
        """Whether a profile built at this version knows everything of `other`."""
        return self.history >= other.history and self.papers >= other.papers


@dataclass(frozen=True)
class Built:
    version: Version
    decisive: int  # the history's decisive version when the build started
    profile: Profile


class ProfileCache:
    def __init__(self, build: Callable[[], Profile], version: Callable[[], Version], decisive: Callable[[], int]):
        self._build, self._version, self._decisive = build, version, decisive
        self._lock = threading.Lock()
        self._built: Built | None = None
        self._building: Version | None = None  # the version of the profile being built

    def get(self) -> Profile:
        """The profile of every event acknowledged before the call, by the rule above."""
        wanted = self._version()
        built = self._built
        if built is not None and built.version.covers(wanted):
            return built.profile
        building = self._building
        if (building is not None and not building.covers(wanted) and built is not None
                and built.decisive == self._decisive()):
            return built.profile
        with self._lock:
            built = self._built
            if built is not None and built.version.covers(wanted):  # built meanwhile
                return built.profile
            version, decisive = self._version(), self._decisive()
            self._building = version
            try:
                profile = self._build()
            finally:
                self._building = None
            self._built = Built(version, decisive, profile)
            return profile

    def drop(self) -> None:
        """Build afresh on the next call: something the versions do not count changed (the settings)."""
        with self._lock:
            self._built = None


class LabelMemo:
    """corpus.label_of, remembered until the papers change (a merge can move an id to another label)."""

    def __init__(self, label_of: Callable[[str], int | None]):
        self._label_of = label_of
        self._papers, self._known = -1, {}

    def lookup(self, papers_version: int) -> Callable[[str], int | None]:
        if self._papers != papers_version:
            self._papers, self._known = papers_version, {}
        known, label_of = self._known, self._label_of

        def cached(paper_id: str) -> int | None:
            if paper_id not in known:
                known[paper_id] = label_of(paper_id)
            return known[paper_id]
        return cached
