"""The go-live domain core: plain Python, free of Azure Functions (docs/architecture.md)."""
