"""Orchestrators that press on the Durable extension's payload limits."""

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def status_of_size(context: df.DurableOrchestrationContext):
    """Sets a custom status of the given text, then runs one activity."""
    context.set_custom_status(context.get_input())
    result = yield context.call_activity("echo", "after the status")
    return result


@app.activity_trigger(input_name="text")
def echo(text: str) -> str:
    return text
