"""RAG's own costs: embedding the corpus and the queries, and the vector database's bill."""

from __future__ import annotations

from planner.core.draws import nonzero, vceil, vmax
from planner.costs.costing import TOKENS_PER_MILLION, Costing
from planner.costs.lines import Approach, LineItem
from planner.inputs.pricebook import Price, Resolved
from planner.inputs.scenario import RetrievalFields

BYTES_PER_GB = 1e9
FLOAT32_BYTES = 4  # vectors are stored as 32-bit floats
UNITS_PER_MILLION = 1_000_000


def vector_count(c: Costing, corpus_tokens: int) -> int:
    """Vectors indexed: one per chunk, corpus tokens / chunk tokens, rounded up."""
    return vceil(corpus_tokens / c.value("chunk_tokens"))


def retrieval_lines(
    c: Costing, approach: Approach, rag: RetrievalFields, embedder: Resolved, db: Resolved
) -> list[LineItem]:
    """One-time corpus embedding and loading; monthly query and re-embedding, storage, reads, writes.

    20 million corpus tokens x $0.02 per million = $0.40 to embed once.
    The plan's monthly minimum is billed as a top-up line when usage falls short of it.
    """
    requests = c.requests
    months = c.months
    vectors = vector_count(c, rag.corpus_tokens)
    changed_vectors = vectors * rag.corpus_monthly_change
    dimensions = embedder.offering.dimensions
    bytes_per_vector = dimensions * FLOAT32_BYTES + c.value("vector_metadata_bytes")
    reads_per_query = c.value("vector_db_read_units_per_query")
    writes_per_vector = c.value("vector_db_write_units_per_vector")
    embed_price = embedder.price("per_million_tokens", "million tokens")
    input_tokens = c.scenario.workload.input_tokens
    vector_basis = f"corpus_tokens ({rag.corpus_tokens:,}) / assumptions.chunk_tokens = {vectors:,} vectors"

    lines = [
        c.one_time(approach, "embeddings", "Embed the corpus", rag.corpus_tokens / TOKENS_PER_MILLION,
                   "million tokens", embed_price, f"corpus_tokens ({rag.corpus_tokens:,})"),
        c.monthly(approach, "embeddings", "Embed queries",
                  [r * input_tokens / TOKENS_PER_MILLION for r in requests], "million tokens", embed_price,
                  f"requests x {input_tokens:,} input tokens"),
        c.monthly(approach, "embeddings", "Re-embed changed corpus",
                  [rag.corpus_tokens * rag.corpus_monthly_change / TOKENS_PER_MILLION] * months,
                  "million tokens", embed_price,
                  f"corpus_tokens ({rag.corpus_tokens:,}) x corpus_monthly_change ({rag.corpus_monthly_change:g})"),
    ]

    # Vector database usage, month by month (the minimum top-up needs each month's usage).
    usage: list[tuple[str, list[float], str, str, str]] = [
        ("Storage", [vectors * bytes_per_vector / BYTES_PER_GB] * months, "GB-months",
         "storage_per_gb_month",
         f"{vector_basis} x ({dimensions} dims x 4 bytes + assumptions.vector_metadata_bytes)"),
        ("Vector dimensions stored", [vectors * dimensions / UNITS_PER_MILLION] * months,
         "million dimension-months", "per_million_vector_dimensions_month",
         f"{vector_basis} x {dimensions} dims"),
        ("Query reads", [r * reads_per_query / UNITS_PER_MILLION for r in requests],
         "million read units", "reads_per_million_units",
         f"requests x assumptions.vector_db_read_units_per_query ({reads_per_query:g})"),
        ("Writes of changed vectors", [changed_vectors * writes_per_vector / UNITS_PER_MILLION] * months,
         "million write units", "writes_per_million_units",
         f"{vector_basis} x corpus_monthly_change x assumptions.vector_db_write_units_per_vector"),
    ]
    monthly_spend = [0.0] * months
    for item, quantities, unit, field, basis in usage:
        price = db.price(field, unit)
        if price.value == 0:
            continue  # the plan does not bill this component
        line = c.monthly(approach, "vector_db", item, quantities, unit, price, basis)
        lines.append(line)
        monthly_spend = [s + q * line.unit_price for s, q in zip(monthly_spend, quantities, strict=False)]

    write_price = db.price("writes_per_million_units", "million write units")
    if write_price.value:
        lines.append(
            c.one_time(approach, "vector_db", "Initial load of vectors",
                       vectors * writes_per_vector / UNITS_PER_MILLION, "million write units", write_price,
                       f"{vector_basis} x assumptions.vector_db_write_units_per_vector")
        )
    lines.extend(_minimum_top_up(c, approach, db, monthly_spend))
    return lines


def _minimum_top_up(c: Costing, approach: Approach, db: Resolved, monthly_spend: list[float]) -> list[LineItem]:
    """Plan minimum less usage, in the months usage falls short (in the report currency)."""
    minimum = db.price("monthly_minimum", "month")
    if minimum.value == 0:
        return []
    minimum_in_report, _, _ = c.convert(minimum)
    shortfall = [vmax(0.0, minimum_in_report - spend) for spend in monthly_spend]
    if not any(nonzero(s) for s in shortfall):
        return []
    unit_price = Price(minimum.key, 1.0, c.currency, c.currency, minimum.source, minimum.as_of, minimum.status)
    return [
        c.monthly(approach, "vector_db", "Plan minimum top-up", shortfall, f"{c.currency} of shortfall",
                  unit_price, f"monthly_minimum ({minimum_in_report:,.2f} {c.currency}) less usage")
    ]
