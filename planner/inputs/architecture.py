"""Open models by architecture: parameter counts, linear-layer shapes and LoRA adapter sizes.

A decoder-only transformer is described by its layer count, hidden size, attention heads, key/value
heads (fewer than attention heads with grouped-query attention), MLP intermediate size and
vocabulary. The catalogue is ``pricing/open_models.yaml``; a model can also be given by these
numbers alone.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from planner.core.limits import MAX_MAGNITUDE
from planner.inputs.price_tables import AsOf
from planner.inputs.validation import STRICT

PositiveInt = Annotated[int, Field(gt=0, le=int(MAX_MAGNITUDE))]
LinearModule = Literal["q", "k", "v", "o", "gate", "up", "down"]
ALL_LINEAR: tuple[LinearModule, ...] = ("q", "k", "v", "o", "gate", "up", "down")


class Architecture(BaseModel):
    """The numbers that size a dense decoder-only transformer."""

    model_config = STRICT
    layers: PositiveInt
    hidden: PositiveInt
    heads: PositiveInt
    kv_heads: PositiveInt
    intermediate: PositiveInt
    vocab: PositiveInt
    head_dim: PositiveInt | None = Field(None, description="default: hidden / heads")
    gated_mlp: bool = Field(True, description="SwiGLU-style MLP with gate, up and down projections")
    qkv_bias: bool = False
    tied_embeddings: bool = Field(False, description="output layer shares the embedding matrix")
    params_billion: Annotated[float, Field(gt=0, le=MAX_MAGNITUDE / 1e9, allow_inf_nan=False)] | None = Field(
        None, description="parameter count to use instead of the one computed from the architecture"
    )

    @model_validator(mode="after")
    def _heads_fit(self) -> Architecture:
        """Every size the sizing divides by or multiplies into a memory figure must be positive: the
        heads must share the key/value heads evenly, and each head must get at least one dimension.

        >>> try:
        ...     Architecture(layers=2, hidden=12, heads=119, kv_heads=119, intermediate=10, vocab=10)
        ... except ValueError as exc:
        ...     print(exc.errors()[0]["loc"], exc.errors()[0]["msg"])
        ('heads',) hidden (12) / heads (119) gives a head size of 0; heads must be at most hidden (or set head_dim)
        >>> wide = Architecture(layers=2, hidden=12, heads=119, kv_heads=119, intermediate=10, vocab=10, head_dim=4)
        >>> wide.dim_per_head
        4
        """
        if self.heads % self.kv_heads:
            raise _field_error("kv_heads", self.kv_heads,
                               f"heads ({self.heads}) must be a multiple of kv_heads ({self.kv_heads})")
        if self.head_dim is None and self.hidden // self.heads < 1:
            raise _field_error("heads", self.heads, (
                f"hidden ({self.hidden}) / heads ({self.heads}) gives a head size of 0; heads must be at most "
                "hidden (or set head_dim)"))
        return self

    @property
    def dim_per_head(self) -> int:
        """Size of one attention head."""
        return self.head_dim or self.hidden // self.heads

    @cached_property
    def linear_params(self) -> int:
        """Parameters in the linear layers of all blocks (what QLoRA quantises to 4 bits)."""
        per_layer = sum(d_in * d_out for d_in, d_out in linear_shapes(self).values())
        bias = (self.heads + 2 * self.kv_heads) * self.dim_per_head if self.qkv_bias else 0
        return self.layers * (per_layer + bias)

    @cached_property
    def other_params(self) -> int:
        """Embeddings, the output layer (unless tied) and the norms: kept in 16 bits by QLoRA."""
        embeddings = self.vocab * self.hidden * (1 if self.tied_embeddings else 2)
        return embeddings + self.layers * 2 * self.hidden + self.hidden


def _field_error(field: str, value: int, message: str) -> ValidationError:
    """A validation error located at ``field`` (a check across fields would otherwise be reported at the
    architecture as a whole, and a user would not know which number to change)."""
    error = PydanticCustomError("value_error", message)  # the message holds no {placeholders} to fill
    return ValidationError.from_exception_data(
        "Architecture", [InitErrorDetails(type=error, loc=(field,), input=value)])


class OpenModel(Architecture):
    """A catalogue entry: an architecture with its name, published size and source."""

    display_name: str = Field(min_length=1)
    published_params_billion: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    source: str = Field(min_length=1)
    as_of: AsOf


class OpenModelTable(BaseModel):
    """``open_models.yaml``: open models by id (``llama-3.1-8b``, ...)."""

    model_config = STRICT
    models: dict[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")], OpenModel] = Field(min_length=1)


def linear_shapes(arch: Architecture) -> dict[LinearModule, tuple[int, int]]:
    """(input, output) size of each linear layer in one transformer block."""
    q_out = arch.heads * arch.dim_per_head
    kv_out = arch.kv_heads * arch.dim_per_head
    shapes: dict[LinearModule, tuple[int, int]] = {
        "q": (arch.hidden, q_out),
        "k": (arch.hidden, kv_out),
        "v": (arch.hidden, kv_out),
        "o": (q_out, arch.hidden),
        "up": (arch.hidden, arch.intermediate),
        "down": (arch.intermediate, arch.hidden),
    }
    if arch.gated_mlp:
        shapes["gate"] = (arch.hidden, arch.intermediate)
    return shapes


def computed_parameters(arch: Architecture) -> int:
    """Parameter count from the architecture alone.

    Llama 3.1 8B: 32 x (4096 x 4096 x 2 + 4096 x 1024 x 2 + 3 x 4096 x 14336 + 2 x 4096)
    + 2 x 128256 x 4096 + 4096 = 8.03 billion, as its model card states.

    >>> arch = Architecture(layers=32, hidden=4096, heads=32, kv_heads=8, intermediate=14336, vocab=128256)
    >>> round(computed_parameters(arch) / 1e9, 2)
    8.03
    """
    return arch.linear_params + arch.other_params


def parameters(arch: Architecture) -> float:
    """Parameters used for sizing: ``params_billion`` if given, else the computed count."""
    return arch.params_billion * 1e9 if arch.params_billion is not None else float(computed_parameters(arch))


def billions_priced(arch: Architecture) -> float:
    """The size a host's fine-tuning bands price a model at, in billions of parameters: its published size
    where the model has one (an open model's ``published_params_billion``), else ``parameters``."""
    published: float | None = getattr(arch, "published_params_billion", None)
    return published or parameters(arch) / 1e9


def lora_parameters(arch: Architecture, rank: int, targets: tuple[LinearModule, ...] = ALL_LINEAR) -> int:
    """Trainable parameters of rank-``rank`` adapters on ``targets``: r x (d_in + d_out) each (Hu et al. 2021).

    Llama 3.1 8B, r = 16 on all linear layers: 32 x 16 x (8192 + 5120 x 2 + 8192 + 18432 x 3)
    = 41.9 million, 0.52% of its parameters.
    """
    shapes = linear_shapes(arch)
    return arch.layers * sum(rank * sum(shapes[name]) for name in targets if name in shapes)
