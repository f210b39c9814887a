"""GitHub transport: the sticky pull-request comment and the job summary over the REST API (httpx).

Takes markdown and the Actions environment; knows nothing of evaluations, pipelines or RAG.
"""
