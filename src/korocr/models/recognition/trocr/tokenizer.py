"""A character-level Korean tokenizer saved and loaded as a standard Hugging Face tokenizer.

Every character of the charset (all 11,172 syllables, jamo, ASCII, symbols, space) is one token — the
argument of the Inverse-DALL-E seed for a character vocabulary: no subword merges to learn, every syllable
reachable, sequence length = number of characters.  Built with 🤗 ``tokenizers`` (WordLevel model, a
pre-tokenizer isolating every character, a ``Fuse`` decoder so decoding does not insert spaces) and wrapped as
``PreTrainedTokenizerFast``; ``save_pretrained`` / ``AutoTokenizer.from_pretrained`` round-trip it.

A charset that spells syllables as conjoining jamo (``default-jamo``) gets an NFD normaliser instead of NFC, so a
syllable becomes its two or three jamo tokens (vocabulary about 360 instead of 11,400; decoded text is composed
back with NFC by the recognisers).

Special tokens: ``<pad>`` 0, ``<s>`` 1 (decoder start), ``</s>`` 2 (end of sequence), ``<unk>`` 3.  Encoding
appends ``</s>``; the VisionEncoderDecoder shifts labels right and puts ``<s>`` in front.
"""

from __future__ import annotations

from ....text.charsets import Charset

SPECIALS = ["<pad>", "<s>", "</s>", "<unk>"]


def build_char_tokenizer(charset: Charset):
    """A ``PreTrainedTokenizerFast`` with one token per character of ``charset``."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate(SPECIALS)}
    for ch in charset.chars:
        vocab.setdefault(ch, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.normalizer = normalizers.NFD() if charset.decomposes else normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    tok.decoder = decoders.Fuse()
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", vocab["</s>"])])
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", bos_token="<s>", eos_token="</s>",
                                   unk_token="<unk>", clean_up_tokenization_spaces=False)
