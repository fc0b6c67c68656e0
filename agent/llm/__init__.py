"""LLM access for the agents: provider selection, the local llama.cpp server and structured generation.

The graph never relies on native tool calling: the model picks among enumerated options and writes short
prose over facts the code assembled, through `generate_structured`.
"""

from agent.llm.local_server import (
    LocalLlamaServer,
    LocalServerError,
    ModelFileMissing,
    PortInUse,
    ServerDied,
    ServerStartTimeout,
    default_model_path,
    get_local_server,
    stop_all_local_servers,
)
from agent.llm.providers import LLMConfigError, make_chat_model, model_identity
from agent.llm.settings import LLMSettings, Provider
from agent.llm.structured import (
    LLMError,
    LLMTimeout,
    LLMUnavailable,
    StructuredOutputInvalid,
    StructuredResult,
    bounded_text,
    enum_model,
    generate_structured,
    is_transport_error,
    literal_of,
    parse_structured,
    strict_json_schema,
    unbounded_string_fields,
)

__all__ = [
    "LLMConfigError",
    "LLMError",
    "LLMSettings",
    "LLMTimeout",
    "LLMUnavailable",
    "LocalLlamaServer",
    "LocalServerError",
    "ModelFileMissing",
    "PortInUse",
    "Provider",
    "ServerDied",
    "ServerStartTimeout",
    "StructuredOutputInvalid",
    "StructuredResult",
    "bounded_text",
    "default_model_path",
    "enum_model",
    "generate_structured",
    "get_local_server",
    "is_transport_error",
    "literal_of",
    "make_chat_model",
    "model_identity",
    "parse_structured",
    "stop_all_local_servers",
    "strict_json_schema",
    "unbounded_string_fields",
]
