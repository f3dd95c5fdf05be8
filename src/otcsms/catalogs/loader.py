"""Load library documents into the database: the shipped library at `otcsms init`, and user files on import.

Every load validates the whole batch first (libformat: schema, ids, parents, cycles, mapping references; then
the database: a loaded key+version may not change content), and only then writes, in one transaction. So a
defective file changes nothing, and a reload of identical content is a no-op that writes no audit event.

Versions: a framework version is never edited. A newer version of a key becomes the current one; the old one
stays (assessments point at the version they were made against) and the result carries the migration diff.
Current mapping sets that pointed at the old version are re-pointed to the new one when every requirement they
name still exists there; otherwise they stay on the old version and the result says which ids are missing.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

from django.db import transaction
from django.db.models import Count, Q

from otcsms.catalogs import libformat
from otcsms.catalogs.libformat import (
    FrameworkDoc,
    LibraryBatch,
    LibraryError,
    MappingSetDoc,
    Problem,
    frozen,
    guidance_document,
    iter_requirements_depth_first,
    thawed,
    version_sort_key,
)
from otcsms.catalogs.models import Framework, Mapping, MappingSet, Origin, Requirement
from otcsms.catalogs.oscal import (
    apply_profile_baseline,
    oscal_catalog_to_framework,
    oscal_profile_to_selection,
    profile_baseline_name,
)
from otcsms.catalogs.services import diff_between, framework_doc
from otcsms.catalogs.versioning import MigrationDiff, framework_content_hash, mapping_set_content_hash
from otcsms.core.audit import with_reason

MAX_IMPORT_BYTES = libformat.MAX_FILE_BYTES
FileKind = Literal["shipped", "library", "oscal-catalog", "oscal-profile"]
_VERSION_LINE = re.compile(r"^\S(?:[^\n\r\t]*\S)?$")


# ---------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class FrameworkOutcome:
    key: str
    version: str
    pk: int
    created: bool
    is_current: bool
    previous_version: str | None = None
    diff: MigrationDiff | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "version": self.version,
            "id": self.pk,
            "status": "created" if self.created else "unchanged",
            "is_current": self.is_current,
            "previous_version": self.previous_version,
            "diff": self.diff.as_dict() if self.diff else None,
        }


@dataclass(frozen=True)
class MappingSetOutcome:
    key: str
    version: str
    pk: int
    created: bool
    mappings: int
    source: str
    target: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "version": self.version,
            "id": self.pk,
            "status": "created" if self.created else "unchanged",
            "mappings": self.mappings,
            "source": self.source,
            "target": self.target,
        }


@dataclass(frozen=True)
class Repointing:
    """What happened to a mapping set when a framework it maps got a new current version."""

    mapping_set: str
    framework: str
    from_version: str
    to_version: str
    moved: bool
    missing: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.moved:
            return f"mapping set {self.mapping_set} now points at {self.framework} {self.to_version}"
        shown = ", ".join(self.missing[:5]) + (" ..." if len(self.missing) > 5 else "")
        return (
            f"mapping set {self.mapping_set} stays on {self.framework} {self.from_version}: "
            f"{len(self.missing)} of its requirements are not in {self.to_version} ({shown})"
        )

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "missing": list(self.missing)}


@dataclass
class ImportResult:
    file: str
    kind: FileKind
    frameworks: list[FrameworkOutcome] = field(default_factory=list)
    mapping_sets: list[MappingSetOutcome] = field(default_factory=list)
    repointed: list[Repointing] = field(default_factory=list)
    baseline: str | None = None
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return any(f.created for f in self.frameworks) or any(m.created for m in self.mapping_sets)

    @property
    def diffs(self) -> list[MigrationDiff]:
        return [f.diff for f in self.frameworks if f.diff is not None]

    def describe(self) -> list[str]:
        lines = []
        for f in self.frameworks:
            state = "loaded" if f.created else "already loaded, unchanged"
            current = "" if f.is_current else " (an older version: not current)"
            lines.append(f"framework {f.key} {f.version}: {state}{current}")
            if f.diff is not None:
                lines.append(f"  migration from {f.previous_version}: {f.diff.summary()}")
        for m in self.mapping_sets:
            state = f"loaded {m.mappings} mappings" if m.created else "already loaded, unchanged"
            lines.append(f"mapping set {m.key} {m.version} ({m.source} -> {m.target}): {state}")
        lines.extend("  " + r.describe() for r in self.repointed)
        if self.baseline:
            lines.append(f"baseline {self.baseline} applied")
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "changed": self.changed,
            "frameworks": [f.as_dict() for f in self.frameworks],
            "mapping_sets": [m.as_dict() for m in self.mapping_sets],
            "repointed": [r.as_dict() for r in self.repointed],
            "baseline": self.baseline,
            "seconds": round(self.seconds, 3),
        }


# ---------------------------------------------------------------------------------------------- entry points


def load_shipped_library() -> ImportResult:
    """Load or update the library shipped in the package. Idempotent: when every shipped file is one already
    loaded (same bytes), nothing is parsed and nothing is written."""
    began = time.perf_counter()
    files = tuple((entry.name, entry.read_bytes()) for entry in libformat.shipped_library_paths())
    digests = {name: _sha256(data) for name, data in files}
    result = ImportResult(file="shipped library", kind="shipped")
    if _shipped_files_missing(set(digests.values())):
        batch = _parsed_shipped(tuple(digests.items()), files)
        # Shipped files are named after what they hold (<id>.yaml, map-<id>.json): a test keeps it so.
        by_id = {_shipped_id(name): digest for name, digest in digests.items()}
        result = _load(batch, Origin.SHIPPED, "shipped library", "shipped", by_id)
    result.seconds = time.perf_counter() - began
    return result


@functools.lru_cache(maxsize=1)
def _parsed_shipped(key: tuple[tuple[str, str], ...], files: tuple[tuple[str, bytes], ...]) -> LibraryBatch:
    """Parsing and validating the shipped library is most of a load's time; a process that loads it into
    several databases (the test suite, a fleet roll-out) does it once. The documents are immutable."""
    return libformat.load_batch([InMemoryFile(name, data) for name, data in files])


def import_library_file(
    path: str | os.PathLike[str], *, framework: str | None = None, version: str | None = None
) -> ImportResult:
    """Import one file: an otcsms library file (framework or mapping set), an OSCAL catalog or an OSCAL
    profile (applied to `framework`, or to the one framework holding every control it selects)."""
    return import_library_files([path], framework=framework, version=version)


def import_library_files(
    paths: Sequence[str | os.PathLike[str]], *, framework: str | None = None, version: str | None = None
) -> ImportResult:
    """Import files as one batch, all or nothing: library files may hold a new framework and the mapping
    sets to it. An OSCAL file is imported on its own."""
    return import_library_contents([_read_file(Path(p)) for p in paths], framework=framework, version=version)


def import_library_bytes(
    name: str, data: bytes, *, framework: str | None = None, version: str | None = None
) -> ImportResult:
    """As import_library_file, for content already in memory (an upload); `name` labels the problems."""
    return import_library_contents([(name, data)], framework=framework, version=version)


def import_library_contents(
    files: Sequence[tuple[str, bytes]], *, framework: str | None = None, version: str | None = None
) -> ImportResult:
    began = time.perf_counter()
    sources = [InMemoryFile(safe_label(name), data) for name, data in files]
    if not sources:
        raise LibraryError([Problem("", "", "no file to import")])
    for source in sources:
        if len(source.read_bytes()) > MAX_IMPORT_BYTES:
            raise LibraryError([Problem(source.name, "", _too_big(len(source.read_bytes())))])
    kinds = [_kind_of(source) for source in sources]
    if len(sources) > 1 and any(kind != "library" for kind in kinds):
        oscal = sources[next(i for i, kind in enumerate(kinds) if kind != "library")].name
        raise LibraryError([Problem(oscal, "", "an OSCAL file is imported on its own, not with other files")])
    kind, source = kinds[0], sources[0]
    baseline = None
    if kind == "oscal-catalog":
        batch = _oscal_catalog_batch(libformat.read_document(source), source.name, framework, version)
    elif kind == "oscal-profile":
        selected, baseline, target = _profile_batch(
            libformat.read_document(source), source.name, framework, version
        )
        if selected is None:  # the current version already carries exactly this baseline
            result = ImportResult(source.name, kind, baseline=baseline)
            result.frameworks.append(FrameworkOutcome(target.key, target.version, target.pk, False, True))
            result.seconds = time.perf_counter() - began
            return result
        batch = selected
    else:
        if framework or version:
            reason = "--framework and --version apply to OSCAL files; a library file names both"
            raise LibraryError([Problem(source.name, "", reason)])
        batch = libformat.load_batch(sources, _known_requirements())
    label = ", ".join(s.name for s in sources)
    digests = _digests_by_id(batch, sources)
    result = _load(batch, Origin.IMPORTED, label, kind, digests)
    result.baseline = baseline
    result.seconds = time.perf_counter() - began
    return result


# ---------------------------------------------------------------------------------------------- reading


class InMemoryFile(Traversable):
    """File content already read (an upload), presented to libformat as a named file."""

    def __init__(self, name: str, data: bytes) -> None:
        self._name = name
        self._data = data

    @property
    def name(self) -> str:
        return self._name

    def read_bytes(self) -> bytes:
        return self._data

    def open(self, mode: str = "r", *args: Any, **kwargs: Any):
        raw = io.BytesIO(self._data)
        return raw if "b" in mode else io.TextIOWrapper(raw, *args, **kwargs)

    def iterdir(self) -> Iterator[Traversable]:
        return iter(())

    def is_dir(self) -> bool:
        return False

    def is_file(self) -> bool:
        return True

    def read_text(self, encoding: str | None = None) -> str:
        with self.open(encoding=encoding) as stream:
            return stream.read()

    def joinpath(self, *descendants: str | os.PathLike[str]) -> Traversable:
        raise FileNotFoundError("an in-memory file has no children")


def _read_file(path: Path) -> tuple[str, bytes]:
    try:
        size = path.stat().st_size
        if size > MAX_IMPORT_BYTES:
            raise LibraryError([Problem(path.name, "", _too_big(size))])
        return path.name, path.read_bytes()
    except OSError as error:
        raise LibraryError(
            [Problem(path.name, "", f"cannot read the file: {error.strerror or error}")]
        ) from None


_YAML_TOP_KEY = re.compile(rb"^(catalog|profile)\s*:", re.MULTILINE)


def _kind_of(source: InMemoryFile) -> FileKind:
    """Library file, OSCAL catalog or OSCAL profile, by the document's top-level key. JSON is parsed (the C
    parser is fast); YAML, whose top-level keys start a line, is only scanned (it is parsed once, later)."""
    data = source.read_bytes()
    head = data.lstrip()[:1]
    if source.name.lower().endswith(".json") or head in (b"{", b"["):
        document = libformat.read_document(source)
        keys: Collection[str] = document.keys()
    else:
        keys = {m.group(1).decode() for m in _YAML_TOP_KEY.finditer(data)}
    if "catalog" in keys:
        return "oscal-catalog"
    if "profile" in keys:
        return "oscal-profile"
    return "library"


def _digests_by_id(batch: LibraryBatch, sources: list[InMemoryFile]) -> dict[str, str]:
    """The SHA-256 of the file a single-file import came from (only the shipped reload check uses it)."""
    if len(sources) == 1:
        digest = _sha256(sources[0].read_bytes())
        ids = [fw.id for fw in batch.frameworks] + [ms.id for ms in batch.mapping_sets]
        return dict.fromkeys(ids, digest)
    return {}


def safe_label(name: str) -> str:
    """The base name of an uploaded file, printable and short (it is echoed in every problem)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:200] or "upload"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _too_big(size: int) -> str:
    return f"file is {size} bytes; imports are limited to {MAX_IMPORT_BYTES} bytes"


def _shipped_id(filename: str) -> str:
    stem = filename.rsplit(".", 1)[0]
    return stem[4:] if stem.startswith("map-") else stem


def _shipped_files_missing(digests: set[str]) -> bool:
    loaded = set(
        Framework.objects.filter(origin=Origin.SHIPPED, source_digest__in=digests).values_list(
            "source_digest", flat=True
        )
    )
    loaded |= set(
        MappingSet.objects.filter(origin=Origin.SHIPPED, source_digest__in=digests).values_list(
            "source_digest", flat=True
        )
    )
    return bool(digests - loaded)


def _relabelled(label: str, action):
    """Run a libformat/oscal call; its problems name the user's file instead of '<document>'/'<oscal>'."""
    try:
        return action()
    except LibraryError as error:
        anonymous = {libformat.MEMORY_LABEL, "<oscal>"}
        raise LibraryError(
            Problem(label if p.file in anonymous else p.file, p.path, p.reason) for p in error.problems
        ) from None


def _known_requirements() -> dict[str, set[str]]:
    """The requirement ids of every current framework version, which a mapping set may refer to."""
    known: dict[str, set[str]] = {}
    rows = Requirement.objects.filter(framework__is_current=True).values_list("framework__key", "ref")
    for key, ref in rows:
        known.setdefault(key, set()).add(ref)
    return known


def _check_version(label: str, version: str | None) -> None:
    if version is not None and (len(version) > 500 or not _VERSION_LINE.match(version)):
        raise LibraryError([Problem(label, "/version", "a version is one line of 1-500 characters")])


def _oscal_catalog_batch(
    document: dict[str, Any], label: str, framework: str | None, version: str | None
) -> LibraryBatch:
    _check_version(label, version)
    if framework is not None and not re.match(r"^[a-z0-9][a-z0-9._-]{0,99}$", framework):
        raise LibraryError([Problem(label, "", f"--framework {framework!r} is not a framework id (a slug)")])
    fw = _relabelled(label, lambda: oscal_catalog_to_framework(document, framework_id=framework))
    if version is not None:
        fw = replace(fw, version=version)
    return LibraryBatch(frameworks=(fw,), mapping_sets=())


def _profile_batch(
    document: dict[str, Any], label: str, framework: str | None, version: str | None
) -> tuple[LibraryBatch | None, str, Framework]:
    """A profile is a selection of controls: it becomes a new version of the framework it selects from, whose
    selected requirements carry the baseline's name (NIST's LOW/MODERATE/HIGH, or the profile's title)."""
    _check_version(label, version)
    title, ids = _relabelled(label, lambda: oscal_profile_to_selection(document))
    baseline = profile_baseline_name(title)
    if not ids:
        raise LibraryError([Problem(label, "/profile/imports", "the profile selects no controls")])
    target = _profile_target(label, set(ids), framework)
    current = framework_doc(target)
    _relabelled(label, lambda: apply_profile_baseline(current, baseline, ids))  # checks the name and the ids
    selected = _with_exact_baseline(current, baseline, ids)
    if framework_content_hash(selected) == target.content_hash:
        return None, baseline, target
    new_version = version or f"{target.version}+{baseline.lower()}"
    batch = LibraryBatch(frameworks=(replace(selected, version=new_version),), mapping_sets=())
    return batch, baseline, target


def _with_exact_baseline(fw: FrameworkDoc, baseline: str, ids: Iterable[str]) -> FrameworkDoc:
    """The baseline names exactly the selected requirements: added where missing, removed where no longer
    selected, the order of the other names kept (so re-importing the same selection changes nothing)."""
    selected = set(ids)
    requirements = []
    for req in fw.requirements:
        names = list(req.attributes.get("baselines", ()))
        wanted = req.id in selected
        if wanted != (baseline in names):
            attributes = thawed(req.attributes)
            names = [*names, baseline] if wanted else [b for b in names if b != baseline]
            attributes["baselines"] = names
            if not names:
                del attributes["baselines"]
            req = replace(req, attributes=frozen(attributes))
        requirements.append(req)
    return replace(fw, requirements=tuple(requirements))


def _profile_target(label: str, ids: set[str], framework: str | None) -> Framework:
    current = Framework.objects.filter(is_current=True)
    if framework is not None:
        target = current.filter(key=framework).first()
        if target is None:
            raise LibraryError([Problem(label, "", f"no framework {framework!r} is loaded")])
        return target
    holders = (
        Requirement.objects.filter(framework__is_current=True, ref__in=ids)
        .values("framework_id")
        .annotate(n=Count("id"))
        .filter(n=len(ids))
        .values_list("framework_id", flat=True)
    )
    found = list(current.filter(pk__in=list(holders)).order_by("key"))
    if len(found) == 1:
        return found[0]
    if not found:
        reason = f"no loaded framework holds all {len(ids)} controls the profile selects"
    else:
        keys = ", ".join(fw.key for fw in found)
        reason = (
            f"several frameworks hold every control the profile selects ({keys}): name one with --framework"
        )
    raise LibraryError([Problem(label, "/profile/imports", reason)])


# ---------------------------------------------------------------------------------------------- writing


def _load(
    batch: LibraryBatch, origin: str, label: str, kind: FileKind, digests: dict[str, str]
) -> ImportResult:
    framework_hashes = {fw.id: framework_content_hash(fw) for fw in batch.frameworks}
    set_hashes = {ms.id: mapping_set_content_hash(ms) for ms in batch.mapping_sets}
    result = ImportResult(file=label, kind=kind)
    with transaction.atomic():
        # Inside the transaction: on SQLite it holds the write lock, so no other import slips in between.
        _raise_if_conflicting(batch, label, framework_hashes, set_hashes)
        rows: dict[str, Framework] = {}
        for fw in batch.frameworks:
            outcome, row, repointed = _write_framework(
                fw, origin, framework_hashes[fw.id], digests.get(fw.id, "")
            )
            rows[fw.id] = row
            result.frameworks.append(outcome)
            result.repointed.extend(repointed)
        refs_cache: dict[int, dict[str, Requirement]] = {}
        for ms in batch.mapping_sets:
            set_outcome = _write_mapping_set(
                ms, origin, set_hashes[ms.id], digests.get(ms.id, ""), rows, refs_cache
            )
            result.mapping_sets.append(set_outcome)
    return result


def _raise_if_conflicting(
    batch: LibraryBatch, label: str, framework_hashes: dict[str, str], set_hashes: dict[str, str]
) -> None:
    """A loaded key+version is immutable: the same content again is a no-op, different content is refused."""
    problems = []
    for fw in batch.frameworks:
        loaded = Framework.objects.filter(key=fw.id, version=fw.version).values_list(
            "content_hash", flat=True
        )
        if loaded and loaded[0] != framework_hashes[fw.id]:
            reason = (
                f"framework {fw.id} version {fw.version!r} is already loaded with different content: "
                "bump the version (a loaded version never changes)"
            )
            problems.append(Problem(label, "/framework/version", reason))
    for ms in batch.mapping_sets:
        loaded_set = MappingSet.objects.filter(key=ms.id, version=ms.version).values_list(
            "content_hash", flat=True
        )
        if loaded_set and loaded_set[0] != set_hashes[ms.id]:
            reason = (
                f"mapping set {ms.id} version {ms.version!r} is already loaded with different content: "
                "bump the version"
            )
            problems.append(Problem(label, "/mapping_set/version", reason))
    if problems:
        raise LibraryError(problems)


def _newer(version: str, than: str) -> bool:
    return version_sort_key(version) > version_sort_key(than)


def _write_framework(
    doc: FrameworkDoc, origin: str, content_hash: str, digest: str
) -> tuple[FrameworkOutcome, Framework, list[Repointing]]:
    existing = Framework.objects.filter(key=doc.id, version=doc.version).first()
    if existing is not None:
        return FrameworkOutcome(doc.id, doc.version, existing.pk, False, existing.is_current), existing, []
    current = Framework.objects.filter(key=doc.id, is_current=True).first()
    becomes_current = current is None or _newer(doc.version, current.version)
    row = Framework.objects.create(
        key=doc.id,
        version=doc.version,
        name=doc.name,
        edition=current.edition if current is not None else doc.version,
        publisher=doc.publisher,
        licence=doc.licence,
        copyright_note=doc.copyright_note,
        description=doc.description,
        levels=_levels(doc),
        provenance=_provenance(doc.provenance),
        origin=origin,
        is_current=becomes_current,
        content_hash=content_hash,
        source_digest=digest,
        requirements_count=len(doc.requirements),
        assessable_count=sum(1 for r in doc.requirements if r.assessable),
    )
    created = _create_requirements(row, doc)
    if current is None or not becomes_current:
        return FrameworkOutcome(doc.id, doc.version, row.pk, True, becomes_current), row, []
    current.is_current = False
    with_reason(current, f"superseded by version {doc.version}")
    current.save(update_fields=["is_current"])
    repointed = _repoint_mapping_sets(current, row, created)
    diff = diff_between(current, row)
    outcome = FrameworkOutcome(doc.id, doc.version, row.pk, True, True, current.version, diff)
    return outcome, row, repointed


def _levels(doc: FrameworkDoc) -> dict[str, Any]:
    if not doc.levels:
        return {}
    values = [
        {"level": lv.level, "name": lv.name, **({"description": lv.description} if lv.description else {})}
        for lv in doc.levels
    ]
    return {"scheme": doc.level_scheme, "values": values}


def _provenance(provenance: libformat.Provenance | None) -> dict[str, Any] | None:
    if provenance is None:
        return None
    data: dict[str, Any] = {"source": provenance.source, "verified": provenance.verified}
    if provenance.note:
        data["note"] = provenance.note
    return data


def _create_requirements(fw: Framework, doc: FrameworkDoc) -> dict[str, Requirement]:
    """One bulk insert per tree level, parents first, so each row is written with its parent's id."""
    levels: dict[int, list[Requirement]] = {}
    created: dict[str, Requirement] = {}
    parents = {r.id: r.parent for r in doc.requirements}
    for position, (depth, req) in enumerate(iter_requirements_depth_first(doc)):
        levels.setdefault(depth, []).append(
            Requirement(
                framework=fw,
                ref=req.id,
                title=req.title,
                text=req.text,
                assessable=req.assessable,
                kind=req.kind,
                order=req.order,
                depth=depth,
                position=position,
                attributes=thawed(req.attributes),
                provenance=_provenance(req.provenance),
                guidance=guidance_document(req.guidance) if req.guidance else None,
            )
        )
    for depth in sorted(levels):
        rows = levels[depth]
        for row in rows:
            parent = parents[row.ref]
            row.parent = created[parent] if parent is not None else None
        Requirement.objects.bulk_create(rows)
        created.update((row.ref, row) for row in rows)
    return created


def _repoint_mapping_sets(
    old: Framework, new: Framework, new_requirements: dict[str, Requirement]
) -> list[Repointing]:
    outcomes = []
    sets = MappingSet.objects.filter(Q(source_framework=old) | Q(target_framework=old), is_current=True)
    for ms in sets.order_by("key"):
        ends = [end for end in ("source", "target") if getattr(ms, f"{end}_framework_id") == old.pk]
        mappings = list(ms.mappings.select_related("source", "target").order_by("pk"))
        missing = sorted(
            {getattr(m, end).ref for m in mappings for end in ends} - set(new_requirements),
            key=version_sort_key,
        )
        label = f"{ms.key} {ms.version}"
        if missing:
            outcomes.append(Repointing(label, old.key, old.version, new.version, False, tuple(missing)))
            continue
        reason = f"re-pointed from {old.key} {old.version} to {new.version}"
        for m in mappings:
            for end in ends:
                setattr(m, end, new_requirements[getattr(m, end).ref])
            with_reason(m, reason)
            m.save(update_fields=ends)
        for end in ends:
            setattr(ms, f"{end}_framework", new)
        with_reason(ms, reason)
        ms.save(update_fields=[f"{end}_framework" for end in ends])
        outcomes.append(Repointing(label, old.key, old.version, new.version, True))
    return outcomes


def _write_mapping_set(
    doc: MappingSetDoc,
    origin: str,
    content_hash: str,
    digest: str,
    batch_rows: dict[str, Framework],
    refs_cache: dict[int, dict[str, Requirement]],
) -> MappingSetOutcome:
    existing = MappingSet.objects.select_related("source_framework", "target_framework").filter(
        key=doc.id, version=doc.version
    )
    found = existing.first()
    if found is not None:
        return MappingSetOutcome(
            doc.id, doc.version, found.pk, False, found.mappings_count,
            found.source_framework.label, found.target_framework.label,
        )  # fmt: skip
    source = _bind(doc.source_framework, (m.source for m in doc.mappings), batch_rows, refs_cache)
    target = _bind(doc.target_framework, (m.target for m in doc.mappings), batch_rows, refs_cache)
    current = MappingSet.objects.filter(key=doc.id, is_current=True).first()
    becomes_current = current is None or _newer(doc.version, current.version)
    row = MappingSet.objects.create(
        key=doc.id,
        version=doc.version,
        name=doc.name,
        licence=doc.licence,
        description=doc.description,
        source_framework=source,
        target_framework=target,
        origin=origin,
        is_current=becomes_current,
        content_hash=content_hash,
        source_digest=digest,
        mappings_count=len(doc.mappings),
    )
    sources, targets = refs_cache[source.pk], refs_cache[target.pk]
    Mapping.objects.bulk_create(
        Mapping(
            mapping_set=row, source=sources[m.source], target=targets[m.target], relationship=m.relationship,
            strength=m.strength, rationale=m.rationale, source_ref=m.source_ref, verified=m.verified,
            reviewer=m.reviewer,
        )
        for m in doc.mappings
    )  # fmt: skip
    if current is not None and becomes_current:
        current.is_current = False
        with_reason(current, f"superseded by version {doc.version}")
        current.save(update_fields=["is_current"])
    return MappingSetOutcome(doc.id, doc.version, row.pk, True, len(doc.mappings), source.label, target.label)


def _bind(
    key: str,
    refs: Iterable[str],
    batch_rows: dict[str, Framework],
    refs_cache: dict[int, dict[str, Requirement]],
) -> Framework:
    """A new mapping set maps the current version of a framework when it holds every id the set names;
    otherwise the version loaded in the same batch (validation made sure that one holds them)."""
    wanted = set(refs)
    candidates = [Framework.objects.filter(key=key, is_current=True).first(), batch_rows.get(key)]
    for fw in candidates:
        if fw is None:
            continue
        if fw.pk not in refs_cache:
            rows = Requirement.objects.filter(framework=fw).only("id", "ref", "framework_id")
            refs_cache[fw.pk] = {r.ref: r for r in rows}
        if wanted <= refs_cache[fw.pk].keys():
            return fw
    raise LibraryError([Problem("", "/mapping_set", f"no loaded version of {key} holds every requirement")])
