"""Contradiction flags (可比对): rules as data that compare sources and flag contradictions for review."""
