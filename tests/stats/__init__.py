"""Tests of longjiang.stats, its CLI commands and API router."""
