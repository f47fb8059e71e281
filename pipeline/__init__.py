"""The LangGraph graph that composes the stages, its state and checkpointer, and the worker that runs it."""
