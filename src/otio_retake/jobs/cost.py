"""What a job costs, estimated the way its host bills it.

Each host's billing basis is a fact in its ``Limits`` (``price_basis``):

    input    per second of the clip uploaded (LTX API: a tight context is cheaper)
    output   per second of the clip returned (the hosts return the whole clip, as long as the input)
    section  per second of the regenerated section
    request  a flat price per request (``price_per_request``)

The estimate is exact arithmetic on those seconds, rounded to 1/10000 USD as
hosts report it; ``plan`` shows the basis next to the figure, and a host that
reports its cost (Runware's ``includeCost``) must agree with the estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import RetakePlan
from ..providers.base import Limits

__all__ = ["CostEstimate", "estimate", "estimate_plan", "BASES", "CONFIRM_ABOVE_USD", "check_cost"]

# A run that may newly spend more than this is confirmed first: by a prompt on the command line (unless
# --yes), in the review window and in the Premiere panel. One threshold for every client.
CONFIRM_ABOVE_USD = 5.0

BASES = ("input", "output", "section", "request")


def check_cost(pending: float, max_cost: float | None, *, hint: str | None = None,
               limit: str = "--max-cost") -> None:
    """Refuse a run whose cost not yet paid for is over ``max_cost`` (what the user accepted, called ``limit``):
    one check for `run`, `run --queue`, the bridge and the review window."""
    if max_cost is not None and pending > max_cost + 1e-9:
        from ..errors import CostLimitError
        raise CostLimitError(f"this run would cost about ${pending:.2f}, more than {limit} ${max_cost:.2f}",
                             hint=hint)


@dataclass(frozen=True)
class CostEstimate:
    usd: float
    basis: str
    billed_seconds: float | None  # None for a flat per-request price
    unit_price: float

    def describe(self) -> str:
        if self.basis == "request":
            return f"${self.unit_price:.2f} per request"
        return f"{self.billed_seconds:.2f} s of {self.basis} x ${self.unit_price:.2f}/s"


def estimate(limits: Limits, *, input_seconds: float, section_seconds: float,
             output_seconds: float | None = None) -> CostEstimate:
    """The host's price for one job (one take) of these lengths."""
    basis = limits.price_basis
    if basis not in BASES:
        raise ValueError(f"unknown billing basis {basis!r}")
    if basis == "request":
        return CostEstimate(round(limits.price_per_request, 4), basis, None, limits.price_per_request)
    seconds = {"input": input_seconds, "section": section_seconds,
               "output": input_seconds if output_seconds is None else output_seconds}[basis]
    return CostEstimate(round(limits.price_per_second * seconds, 4), basis, seconds, limits.price_per_second)


def estimate_plan(plan: RetakePlan, limits: Limits) -> CostEstimate:
    """A planned take's cost: the excerpt is the input, the whole clip comes back, the section is regenerated."""
    return estimate(limits, input_seconds=plan.context_seconds, section_seconds=float(plan.section_duration),
                    output_seconds=plan.context_seconds)
