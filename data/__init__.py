"""CIFAR-10 tools: download, verify, extract, and generate data in the CIFAR-10 format."""
