package org.alignspark.common.tokenizer;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.alignspark.common.lm.checkpoint.ModelFolder;

/**
 * Writes a Hugging Face word-level tokenizer (a {@code WordLevel} model behind the {@code Whitespace} pre-tokenizer,
 * with ChatML's special tokens and chat template) whose vocabulary is every word of a corpus. For closed worlds such as
 * the demo world: one token per word keeps a tiny model's sequences several times shorter than bytes, and a word is one
 * thing for its attention to find. Loaded back by {@link Tokenizers#load} through the Hugging Face tokenizers library;
 * words outside the corpus become {@code <unk>}.
 */
public final class WordLevelTokenizerWriter {
    public static final String UNK = "<unk>";
    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    private static final List<String> SPECIALS = List.of(UNK, IM_START, IM_END);
    /** What the Whitespace pre-tokenizer splits on: runs of word characters, and runs of other non-space characters. */
    private static final Pattern WORD = Pattern.compile("\\w+|[^\\w\\s]+");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SortedSet<String> words = new TreeSet<>();

    public WordLevelTokenizerWriter() {
        for (String role : List.of("system", "user", "assistant")) {   // ChatML's role names are words of every conversation
            add(role);
        }
    }

    public WordLevelTokenizerWriter add(String text) {
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            if (!SPECIALS.contains(m.group())) {
                words.add(m.group());
            }
        }
        return this;
    }

    public int vocabSize() {
        return SPECIALS.size() + words.size();
    }

    public void save(ModelFolder folder) throws IOException {
        ObjectNode tokenizer = JSON.createObjectNode();
        tokenizer.put("version", "1.0");
        var added = tokenizer.putArray("added_tokens");
        for (int id = 0; id < SPECIALS.size(); id++) {
            added.addObject().put("id", id).put("content", SPECIALS.get(id)).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        tokenizer.putNull("normalizer");
        tokenizer.putObject("pre_tokenizer").put("type", "Whitespace");
        tokenizer.putNull("post_processor");
        // Decoding joins words with spaces and cleans the space before punctuation ("blue ." -> "blue.").
        tokenizer.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", true);
        ObjectNode model = tokenizer.putObject("model").put("type", "WordLevel").put("unk_token", UNK);
        ObjectNode vocab = model.putObject("vocab");
        int id = 0;
        for (String special : SPECIALS) {
            vocab.put(special, id++);
        }
        for (String word : words) {
            vocab.put(word, id++);
        }
        try (OutputStream out = folder.create(Tokenizers.TOKENIZER)) {
            JSON.writeValue(out, tokenizer);
        }
        ObjectNode config = JSON.createObjectNode();
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        config.put("bos_token", IM_START).put("eos_token", IM_END).put("pad_token", UNK).put("unk_token", UNK);
        config.put("chat_template", "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] "
                + "+ '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}");
        try (OutputStream out = folder.create(Tokenizers.TOKENIZER_CONFIG)) {
            JSON.writeValue(out, config);
        }
    }
}
