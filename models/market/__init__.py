"""Market context: tracked brands and their mentions, share of voice, UGC re-creation, search lift."""

from models.market.brands import BrandDefinitionError, BrandMatcher, BrandSpec, matcher_for

__all__ = ["BrandDefinitionError", "BrandMatcher", "BrandSpec", "matcher_for"]
