"""Regions the price tables name, and the jurisdiction each lies in: where a team's data may stay.

A scenario says where data must stay (``project.data_residency``: ``anywhere``, ``uk``, ``eu``, ``us``,
``us_gov`` or ``canada``); an offering is accepted when its region lies there. US government regions
(AWS GovCloud) are in the US, so they also satisfy ``us``; the UK is not in the EU. A region a table
leaves unset, calls ``global``, or that is not listed here, satisfies only ``anywhere``.

>>> within("eu-west-2", "uk"), within("us-gov-west-1", "us"), within("us-east-1", "us_gov"), within(None, "uk")
(True, True, False, False)
"""

from __future__ import annotations

from typing import Literal

Residency = Literal["anywhere", "uk", "eu", "us", "us_gov", "canada"]
Jurisdiction = Literal["uk", "eu", "us", "us_gov", "canada"]

# Choices shown in words; the scenario keeps the value on the left.
RESIDENCY_WORDS: dict[str, str] = {
    "anywhere": "Anywhere",
    "uk": "United Kingdom",
    "eu": "European Union",
    "us": "United States",
    "us_gov": "US government regions",
    "canada": "Canada",
}

# Region id (as the seller spells it) -> (jurisdiction, the region in words).
REGIONS: dict[str, tuple[Jurisdiction, str]] = {
    # Amazon Web Services
    "us-east-1": ("us", "AWS US East (N. Virginia)"),
    "us-east-2": ("us", "AWS US East (Ohio)"),
    "us-west-2": ("us", "AWS US West (Oregon)"),
    "us-gov-west-1": ("us_gov", "AWS GovCloud (US-West)"),
    "us-gov-east-1": ("us_gov", "AWS GovCloud (US-East)"),
    "eu-west-2": ("uk", "AWS Europe (London)"),
    "eu-central-1": ("eu", "AWS Europe (Frankfurt)"),
    "ca-central-1": ("canada", "AWS Canada (Central)"),
    # Microsoft Azure
    "eastus": ("us", "Azure East US"),
    "eastus2": ("us", "Azure East US 2"),
    "northcentralus": ("us", "Azure North Central US"),
    "swedencentral": ("eu", "Azure Sweden Central"),
    "uksouth": ("uk", "Azure UK South"),
    "canadaeast": ("canada", "Azure Canada East"),
    "canadacentral": ("canada", "Azure Canada Central"),
    # Google Cloud
    "us-central1": ("us", "Google Cloud us-central1 (Iowa)"),
    "europe-west2": ("uk", "Google Cloud europe-west2 (London)"),
    "europe-west4": ("eu", "Google Cloud europe-west4 (Netherlands)"),
    "northamerica-northeast1": ("canada", "Google Cloud northamerica-northeast1 (Montreal)"),
    # Sellers that state a country, not a data centre
    "us": ("us", "the United States"),
    "eu": ("eu", "the European Union"),
}


def jurisdiction(region: str | None) -> Jurisdiction | None:
    """Where ``region`` lies; None for a region not stated, ``global`` or not listed."""
    found = REGIONS.get(region or "")
    return None if found is None else found[0]


def within(region: str | None, residency: Residency) -> bool:
    """Whether an offering in ``region`` keeps data where ``residency`` says it must stay."""
    if residency == "anywhere":
        return True
    place = jurisdiction(region)
    return place == residency or (residency == "us" and place == "us_gov")


def region_words(region: str | None) -> str:
    """A region for people: "AWS Europe (London)"; one not stated or not listed says so."""
    if not region:
        return "a region its seller does not state"
    if region == "global":
        return "any region its seller chooses (global: not kept in one country)"
    found = REGIONS.get(region)
    return found[1] if found else f"{region} (a region the planner cannot place)"
