"""What a contract case is made of.

Cassettes, the provider catalogue, deployments, mocks, the runner, the verdict and expectations, and the
small shared pieces (SSE, the loopback server, file helpers). Nothing here imports ``tools``.
"""
