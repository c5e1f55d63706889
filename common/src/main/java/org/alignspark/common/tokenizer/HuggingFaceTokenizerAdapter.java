package org.alignspark.common.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

/** A Hugging Face {@code tokenizer.json} (BPE, WordPiece, Unigram, …) run by DJL's bindings of the Rust library. */
final class HuggingFaceTokenizerAdapter implements Tokenizer {
    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;
    private final int bos;
    private final int eos;
    private final int pad;

    HuggingFaceTokenizerAdapter(HuggingFaceTokenizer tokenizer, int vocabSize, int bos, int eos, int pad) {
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
        this.bos = bos;
        this.eos = eos;
        this.pad = pad;
    }

    @Override
    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            wide[i] = ids[i];
        }
        return tokenizer.decode(wide, false);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int bosId() {
        return bos;
    }

    @Override
    public int eosId() {
        return eos;
    }

    @Override
    public int padId() {
        return pad;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
