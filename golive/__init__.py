"""The go-live domain core: plain Python, free of Azure Functions (see ARCHITECTURE.md)."""
