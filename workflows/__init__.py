"""The engine layer: BPMN/DMN definitions executed by SpiffWorkflow, persisted in the database."""
