"""The text stack shared by the text-classification and QA candidates: encoder loading (offline), a fast
ONNX/int8 serving encoder, a FAISS index chosen by corpus size, and device selection.

Importing `harness.text` is light: torch, transformers, onnxruntime and faiss load inside the functions and
classes that need them.
"""

from harness.text.device import resolve_device, set_offline_env
from harness.text.encoder import (
    FastEncoder,
    OnnxEncoder,
    default_model_path,
    encode_cached,
    get_fast_encoder,
    load_sentence_encoder,
    resolve_model_path,
)
from harness.text.index import VectorIndex, build_index, choose_index_kind

__all__ = [
    "FastEncoder",
    "OnnxEncoder",
    "VectorIndex",
    "build_index",
    "choose_index_kind",
    "default_model_path",
    "encode_cached",
    "get_fast_encoder",
    "load_sentence_encoder",
    "resolve_device",
    "resolve_model_path",
    "set_offline_env",
]
