"""An app with a binding devhost cannot run: loading it must fail by name."""

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def fine(context: df.DurableOrchestrationContext):
    return None


@app.timer_trigger(arg_name="tick", schedule="0 */5 * * * *")
def every_five_minutes(tick: func.TimerRequest) -> None:
    return None
