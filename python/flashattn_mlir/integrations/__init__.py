"""Integrations with training frameworks: `transformers` (an attention
backend, docs/Training.md)."""
