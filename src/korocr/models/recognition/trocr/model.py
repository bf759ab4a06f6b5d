"""TrOCR (Li et al., "TrOCR: Transformer-based Optical Character Recognition with Pre-trained Models", AAAI 2023)
as a Hugging Face ``VisionEncoderDecoderModel``: an image Transformer encoder and an autoregressive text
Transformer decoder.

Two ways to build one:

* :func:`build_from_pretrained` — encoder and decoder from hub names or local directories (e.g. the usual Korean
  pairing ``facebook/deit-base-distilled-patch16-384`` + ``klue/roberta-base``) with their tokenizer;
* :func:`build_from_scratch` — a small ViT encoder and TrOCR decoder sized for CPU training, with korocr's
  character tokenizer;
* :func:`build_warm` — the hybrid encoder of :mod:`.cnn_encoder` warm-started from a trained PP-OCR CTC
  recogniser, and a decoder pretrained as a causal language model (``scripts/pretrain_trocr_decoder.py``).

Either way :func:`configure_special_tokens` sets the ids generation and the loss depend on (the classic TrOCR
fine-tuning pitfalls, each explained where it is set).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class ScratchConfig:
    """A small TrOCR for CPUs: input (3, image_height, image_width) px.

    ``encoder="vit"``: ViT with rectangular patches (``patch_height`` × ``patch_width``), global attention.
    ``encoder="swin"``: Swin Transformer (Liu et al., ICCV 2021; Donut's encoder) with 4×4 patches, 4×4 local
    attention windows and one patch merge per extra stage (``swin_depths``); its last stage has
    ``encoder_hidden`` channels on an (H/8) × (W/8) grid for two stages.  Local windows give it a convolution-like
    bias that a from-scratch model on a CPU budget needs more than ViT's global attention over wide strips."""

    image_height: int = 32
    image_width: int = 256
    encoder: str = "vit"
    patch_height: int = 32  # one patch row: tokens are vertical strips, read left to right like CTC time steps
    patch_width: int = 8
    swin_depths: tuple[int, ...] = (2, 2)
    encoder_hidden: int = 256
    encoder_layers: int = 4
    encoder_heads: int = 4
    decoder_hidden: int = 256
    decoder_layers: int = 3
    decoder_heads: int = 4
    max_length: int = 64

    @classmethod
    def for_encoder(cls, encoder: str = "vit", **kwargs) -> "ScratchConfig":
        """The CPU-sized default for ``encoder``: ViT 4 × 256, or Swin with two stages (64 -> 128 channels on an
        8×64 -> 4×32 grid for a 32×256 input, 4 heads in the last stage)."""
        sizes = {"encoder_hidden": 128, "encoder_heads": 4} if encoder == "swin" else {}
        return cls(encoder=encoder, **(sizes | kwargs))

    def to_dict(self) -> dict:
        return asdict(self)


def configure_special_tokens(model, tokenizer, max_length: int = 64) -> None:
    """Set the token ids a VisionEncoderDecoder needs; each line is a known pitfall of TrOCR fine-tuning."""
    cfg = model.config
    # The decoder's first input. Without it, VisionEncoderDecoder cannot shift labels right to build
    # decoder_input_ids (it raises), and generate() starts from a wrong token.  For RoBERTa-style tokenizers TrOCR
    # uses <s> (cls); korocr's char tokenizer has <s> = 1 for the same role.
    cfg.decoder_start_token_id = tokenizer.cls_token_id if tokenizer.cls_token_id is not None \
        else tokenizer.bos_token_id
    # Padding id: label positions equal to it are turned into -100 (ignored by the loss) and generate() pads
    # finished beams with it. If left unset, training crashes in shift_tokens_right or learns to predict padding.
    cfg.pad_token_id = tokenizer.pad_token_id
    # End of sequence: generate() stops when it is produced; the labels end with it so the model learns to stop.
    cfg.eos_token_id = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    # The output layer must match the tokenizer (a decoder taken from another checkpoint keeps its own size).
    if model.decoder.get_output_embeddings().weight.shape[0] != len(tokenizer):
        model.decoder.resize_token_embeddings(len(tokenizer))
    cfg.vocab_size = cfg.decoder.vocab_size = len(tokenizer)
    # transformers >= 5 reads generation settings from generation_config, not from config.
    gen = model.generation_config
    gen.decoder_start_token_id = cfg.decoder_start_token_id
    gen.pad_token_id = cfg.pad_token_id
    gen.eos_token_id = cfg.eos_token_id
    gen.max_length = max_length


def build_from_scratch(tokenizer, cfg: ScratchConfig | None = None):
    """A randomly initialised small VisionEncoderDecoder (ViT encoder + TrOCR decoder)."""
    from transformers import TrOCRConfig, TrOCRForCausalLM, ViTConfig, ViTModel, VisionEncoderDecoderModel

    c = cfg or ScratchConfig()
    if c.encoder == "swin":
        from transformers import SwinConfig, SwinModel

        n = len(c.swin_depths)
        embed = c.encoder_hidden // 2 ** (n - 1)
        if embed * 2 ** (n - 1) != c.encoder_hidden or embed % c.encoder_heads:
            raise ValueError(f"encoder_hidden {c.encoder_hidden} must be a multiple of 2**{n - 1} * encoder_heads")
        # window 4: Swin shrinks a window to the grid when the grid is smaller, which then mismatches the
        # relative-position table of a larger window; 4 fits every stage of a 32-px-high input.
        enc = SwinModel(SwinConfig(image_size=(c.image_height, c.image_width), patch_size=4, num_channels=3,
                                   embed_dim=embed, depths=list(c.swin_depths),
                                   num_heads=[max(1, c.encoder_heads // 2 ** (n - 1 - i)) for i in range(n)],
                                   window_size=4))
    elif c.encoder == "vit":
        # ViTModel's pooler is unused by the decoder, but from_pretrained rebuilds the encoder with one; building
        # it here too keeps save -> load free of "newly initialized" weights.
        enc = ViTModel(ViTConfig(image_size=(c.image_height, c.image_width),
                                 patch_size=(c.patch_height, c.patch_width), num_channels=3,
                                 hidden_size=c.encoder_hidden, num_hidden_layers=c.encoder_layers,
                                 num_attention_heads=c.encoder_heads, intermediate_size=4 * c.encoder_hidden))
    else:
        raise ValueError(f"unknown scratch encoder {c.encoder!r} (vit or swin)")
    dec = TrOCRForCausalLM(TrOCRConfig(vocab_size=len(tokenizer), d_model=c.decoder_hidden,
                                       decoder_layers=c.decoder_layers, decoder_attention_heads=c.decoder_heads,
                                       decoder_ffn_dim=4 * c.decoder_hidden, max_position_embeddings=c.max_length + 8,
                                       cross_attention_hidden_size=c.encoder_hidden, use_learned_position_embeddings=True,
                                       layernorm_embedding=True, pad_token_id=tokenizer.pad_token_id,
                                       bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                                       decoder_start_token_id=tokenizer.bos_token_id))
    model = VisionEncoderDecoderModel(encoder=enc, decoder=dec)
    configure_special_tokens(model, tokenizer, c.max_length)
    return model


def build_from_pretrained(encoder: str, decoder: str, tokenizer: str | None = None, max_length: int = 64):
    """Encoder and decoder checkpoints (hub names or local directories) joined into a VisionEncoderDecoder.

    Args:
        tokenizer: tokenizer name or directory (default: the decoder's).

    Returns:
        (model, tokenizer).

    Raises:
        OSError: a name cannot be resolved (offline and not cached, or no such directory).
    """
    from transformers import AutoTokenizer, VisionEncoderDecoderModel

    model = VisionEncoderDecoderModel.from_encoder_decoder_pretrained(encoder, decoder)
    tok = AutoTokenizer.from_pretrained(tokenizer or decoder)
    configure_special_tokens(model, tok, max_length)
    return model, tok


def save_fp16(model, tokenizer, out) -> None:
    """Save a VisionEncoderDecoder in the Hugging Face layout with fp16 parameters (how korocr commits models:
    ``models/trocr-ko``), tokenizer beside it; read back with ``from_pretrained(...).float()``.

    Buffers stay fp32: a batch-norm ``running_var`` of the PP-OCR backbone reaches 92,000, above fp16's 65,504,
    and a cast turns it into ``inf``, which zeroes that channel (the committed model of sessions 14-15 had one).
    The model passed in is not changed.

    Raises:
        ValueError: a parameter or buffer is not finite.
    """
    import copy
    from pathlib import Path

    import torch

    for name, t in list(model.named_parameters()) + list(model.named_buffers()):
        if t.is_floating_point() and not torch.isfinite(t).all():
            raise ValueError(f"save_fp16: {name} has non-finite values")
    half = copy.deepcopy(model)
    for p in half.parameters():
        p.data = p.data.half()
    out = Path(out)
    half.save_pretrained(out)
    if tokenizer is not None:
        tokenizer.save_pretrained(out)


def make_processor(tokenizer, height: int, width: int):
    """A ``TrOCRProcessor`` pairing a ViT image processor (resize to height × width, scale to [-1, 1]) with the
    tokenizer; ``save_pretrained`` / ``TrOCRProcessor.from_pretrained`` round-trip it."""
    from transformers import TrOCRProcessor

    try:
        from transformers import ViTImageProcessorPil as ImageProcessor  # no torchvision needed
    except ImportError:  # older transformers
        from transformers import ViTImageProcessor as ImageProcessor
    ip = ImageProcessor(size={"height": height, "width": width}, do_resize=True, do_normalize=True,
                        image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5])
    return TrOCRProcessor(image_processor=ip, tokenizer=tokenizer)


def build_warm(encoder_weights: str, decoder_dir: str | None = None, tokenizer=None, encoder_layers: int = 2,
               encoder_hidden: int = 256, decoder_layers: int = 2, max_length: int = 128):
    """A VisionEncoderDecoder whose encoder starts from a trained CTC recogniser and whose decoder starts from a
    pretrained character language model.

    Args:
        encoder_weights: a korocr PP-OCR recogniser's saved weights (e.g. ``training_state/rec-ppocr-jamo.fp16.pt``):
            its backbone and CTC head become the encoder's (:func:`.cnn_encoder.encoder_from_ctc_weights`).
        decoder_dir: a ``TrOCRForCausalLM`` directory with its tokenizer (``scripts/pretrain_trocr_decoder.py``);
            ``None``: a new decoder over ``tokenizer`` (a from-scratch baseline at the same size).
        tokenizer: the tokenizer when ``decoder_dir`` is ``None``.

    Returns:
        (model, tokenizer).

    Raises:
        ValueError: the encoder weights are not a PP-OCR recogniser's, or no tokenizer is given.
    """
    from transformers import AutoTokenizer, TrOCRForCausalLM, VisionEncoderDecoderModel

    from .cnn_encoder import encoder_from_ctc_weights

    enc = encoder_from_ctc_weights(encoder_weights, hidden_size=encoder_hidden, num_layers=encoder_layers)
    if decoder_dir:
        tok = AutoTokenizer.from_pretrained(decoder_dir)
        dec = TrOCRForCausalLM.from_pretrained(decoder_dir)
    else:
        if tokenizer is None:
            raise ValueError("build_warm: give decoder_dir or a tokenizer")
        tok = tokenizer
        dec = build_char_decoder(tok, layers=decoder_layers, max_length=max_length, cross_hidden=encoder_hidden)
    model = VisionEncoderDecoderModel(encoder=enc, decoder=dec)
    configure_special_tokens(model, tok, max_length)
    return model, tok


def build_char_decoder(tokenizer, d_model: int = 256, layers: int = 2, heads: int = 4, max_length: int = 128,
                       cross_hidden: int = 256):
    """A ``TrOCRForCausalLM`` over a character tokenizer, with cross-attention layers (unused until it is put in
    a VisionEncoderDecoder) and tied input/output embeddings; ``max_length`` tokens at most."""
    from transformers import TrOCRConfig, TrOCRForCausalLM

    cfg = TrOCRConfig(vocab_size=len(tokenizer), d_model=d_model, decoder_layers=layers,
                      decoder_attention_heads=heads, decoder_ffn_dim=4 * d_model,
                      max_position_embeddings=max_length + 8, cross_attention_hidden_size=cross_hidden,
                      use_learned_position_embeddings=True, layernorm_embedding=True,
                      pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
                      eos_token_id=tokenizer.eos_token_id, decoder_start_token_id=tokenizer.bos_token_id,
                      is_decoder=True, add_cross_attention=True, tie_word_embeddings=True)
    return TrOCRForCausalLM(cfg)
