"""Tests of the framework-free go-live core."""
