package org.alignspark.jobs;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.alignspark.cli.WarehouseOption;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.ChatTemplate;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.common.tokenizer.Tokenizer;
import org.alignspark.executor.ExecutorModels;
import org.alignspark.executor.ModelRows;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code chat-template}: what a model folder's chat template makes of conversations, printed exactly: the rendered
 * text, its token ids, and the prompt/completion split the training jobs use (ChatEncoder, TRL's split). What a
 * user runs when a dataset trains badly and the format is suspect; TRL users print apply_chat_template for the same
 * reason. Reads nothing but the model folder and the conversations; writes nothing.
 */
@Command(name = "chat-template", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Print a model's chat-template rendering, token ids and prompt/completion split of conversations.")
public final class ChatTemplateJob implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--model", required = true, description = "Model folder (tokenizer.json, tokenizer_config.json, "
            + "chat_template.jinja / chat_template.json); any Hadoop path.")
    String model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--conversations", description = "JSONL file: each line a JSON array of {role, content} "
                + "messages, or an object with \"messages\" (and optional \"tools\"); any Hadoop path.")
        String conversations;

        @Option(names = "--table", description = "Warehouse table with a messages column (array of role/content).")
        String table;
    }

    @Mixin
    WarehouseOption warehouseOption;

    @Option(names = "--messages-column", defaultValue = "prompt", description = "With --table: the messages column.")
    String messagesColumn;

    @Option(names = "--response-column", description = "With --table: a text column appended as the assistant's turn "
            + "(e.g. response, chosen, completion); without it the rows are printed as they are.")
    String responseColumn;

    @Option(names = "--limit", defaultValue = "5", description = "Conversations printed.")
    int limit;

    /** One conversation and the tools given with it. */
    record Conversation(List<Message> messages, Object tools) {
    }

    @Override
    public Integer call() throws Exception {
        ChatEncoder encoder = ExecutorModels.encoder(model);
        System.out.println("chat template: " + encoder.template().origin()
                + (encoder.template().hasGenerationBlocks() ? " (has {% generation %} blocks)" : ""));
        List<Conversation> conversations = input.conversations != null ? readJsonl(input.conversations) : readTable();
        for (int i = 0; i < conversations.size(); i++) {
            System.out.println();
            System.out.println("=== conversation " + (i + 1));
            print(encoder, conversations.get(i));
        }
        return 0;
    }

    private List<Conversation> readJsonl(String file) throws Exception {
        List<Conversation> out = new ArrayList<>();
        Path path = new Path(file);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                path.getFileSystem(new Configuration()).open(path), StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            while ((line = in.readLine()) != null && out.size() < limit) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalArgumentException(file + " line " + number + ": not JSON: " + e.getOriginalMessage());
                }
                JsonNode messages = node.isArray() ? node : node.get("messages");
                if (messages == null || !messages.isArray()) {
                    throw new IllegalArgumentException(file + " line " + number + ": neither a list of messages nor an "
                            + "object with \"messages\"");
                }
                List<Message> turns = new ArrayList<>();
                for (JsonNode m : messages) {
                    if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
                        throw new IllegalArgumentException(file + " line " + number + ": a message needs string role and content");
                    }
                    turns.add(new Message(m.get("role").asText(), m.get("content").asText()));
                }
                Object tools = node.isObject() && node.has("tools") ? JSON.convertValue(node.get("tools"), List.class) : null;
                out.add(new Conversation(turns, tools));
            }
        }
        return out;
    }

    private List<Conversation> readTable() {
        SparkSession spark = warehouseOption.openCatalog("alignspark chat-template").spark();
        List<Conversation> out = new ArrayList<>();
        for (Row row : spark.table(input.table).limit(limit).collectAsList()) {
            List<Message> messages = new ArrayList<>(ModelRows.messages(row, messagesColumn));
            if (responseColumn != null) {
                messages.add(new Message("assistant", row.getAs(responseColumn)));
            }
            out.add(new Conversation(messages, null));
        }
        return out;
    }

    private static void print(ChatEncoder encoder, Conversation c) {
        ChatTemplate template = encoder.template();
        Tokenizer tokenizer = encoder.tokenizer();
        Map<String, Object> extra = c.tools() == null ? Map.of() : Map.of("tools", c.tools());
        boolean answered = !c.messages().isEmpty() && c.messages().get(c.messages().size() - 1).role().equals("assistant");
        String rendered = template.renderTracked(c.messages(), !answered, extra).text();
        block("rendered (add_generation_prompt=" + (answered ? "False" : "True") + ")", rendered, tokenizer);
        if (!answered) {
            return;
        }
        List<Message> prompt = c.messages().subList(0, c.messages().size() - 1);
        String response = c.messages().get(c.messages().size() - 1).content();
        try {
            ChatEncoder.Split split = encoder.split(prompt, response);
            block("prompt (the prompt turns, add_generation_prompt=True)", split.prompt(), tokenizer);
            block("completion (" + (split.boundary() == ChatEncoder.Boundary.PREFIX
                    ? "what the conversation adds after the prompt"
                    : "the prompt is not a prefix of the conversation: the last {% generation %} block") + ")",
                    split.completion(), tokenizer);
        } catch (IllegalArgumentException e) {
            System.out.println("--- prompt/completion split fails: " + e.getMessage());
        }
    }

    private static void block(String title, String text, Tokenizer tokenizer) {
        int[] ids = tokenizer.encode(text);
        System.out.println("--- " + title + ", " + text.length() + " chars, " + ids.length + " tokens");
        System.out.println(text);
        System.out.println("--- as JSON: " + quoted(text));
        System.out.println("--- token ids: " + Arrays.toString(ids));
    }

    private static String quoted(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
