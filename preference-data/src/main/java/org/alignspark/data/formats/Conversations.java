package org.alignspark.data.formats;

import java.util.ArrayList;
import java.util.List;

import org.alignspark.data.avro.Turn;

/** Splitting two full conversations into their shared prompt and their two final assistant responses. */
final class Conversations {

    /** The shared prompt turns and the final assistant response of each side. */
    record Fork(List<Turn> prompt, String first, String second) {}

    private Conversations() {}

    /**
     * Both conversations must agree on every turn but the last, which must be an assistant turn on both sides;
     * that is how HH-RLHF transcripts and TRL's implicit-prompt format are laid out.
     */
    static Fork fork(List<Turn> first, List<Turn> second, String firstName, String secondName) {
        if (first.size() != second.size()) {
            throw new InvalidRowException("'" + firstName + "' and '" + secondName + "' differ in turn count ("
                    + first.size() + " vs " + second.size() + "); they must share every turn but the last");
        }
        int last = first.size() - 1;
        for (int i = 0; i < last; i++) {
            if (!first.get(i).equals(second.get(i))) {
                throw new InvalidRowException("'" + firstName + "' and '" + secondName + "' diverge at turn " + i
                        + ", before the final assistant turn");
            }
        }
        Turn a = first.get(last);
        Turn b = second.get(last);
        if (!Roles.ASSISTANT.equals(a.getRole()) || !Roles.ASSISTANT.equals(b.getRole())) {
            throw new InvalidRowException("the last turn of '" + firstName + "' and '" + secondName + "' must be an assistant turn");
        }
        List<Turn> prompt = new ArrayList<>(first.subList(0, last));
        checkPrompt(prompt);
        return new Fork(prompt, a.getContent(), b.getContent());
    }

    /** A prompt must have turns and must end with the user (or system) speaking, never with the assistant. */
    static List<Turn> checkPrompt(List<Turn> prompt) {
        if (prompt.isEmpty()) {
            throw new InvalidRowException("the prompt has no turns");
        }
        if (Roles.ASSISTANT.equals(prompt.get(prompt.size() - 1).getRole())) {
            throw new InvalidRowException("the prompt ends with an assistant turn");
        }
        return prompt;
    }

    /** A completion given as messages must be exactly one assistant message. */
    static String singleAssistantTurn(List<Turn> turns, String name) {
        if (turns.size() != 1 || !Roles.ASSISTANT.equals(turns.get(0).getRole())) {
            throw new InvalidRowException("'" + name + "' must be one assistant message after the prompt, got "
                    + turns.size() + " message(s)");
        }
        return turns.get(0).getContent();
    }

    /** Anthropic HH transcript: "\n\nHuman: …\n\nAssistant: …" repeated; the text before the first marker must be blank. */
    static List<Turn> parseHumanAssistantTranscript(String transcript, String name) {
        List<Turn> turns = new ArrayList<>();
        int position = 0;
        String role = null;
        int contentStart = -1;
        while (true) {
            int human = transcript.indexOf(HUMAN, position);
            int assistant = transcript.indexOf(ASSISTANT, position);
            int next = human < 0 ? assistant : assistant < 0 ? human : Math.min(human, assistant);
            if (role == null) {
                if (next < 0 || !transcript.substring(0, next).isBlank()) {
                    throw new InvalidRowException("'" + name + "' does not start with a \"\\n\\nHuman:\" turn");
                }
            } else {
                String content = transcript.substring(contentStart, next < 0 ? transcript.length() : next).strip();
                turns.add(new Turn(role, content));
            }
            if (next < 0) {
                break;
            }
            boolean isHuman = next == human;
            role = isHuman ? Roles.USER : Roles.ASSISTANT;
            contentStart = next + (isHuman ? HUMAN.length() : ASSISTANT.length());
            position = contentStart;
        }
        return turns;
    }

    private static final String HUMAN = "\n\nHuman:";
    private static final String ASSISTANT = "\n\nAssistant:";
}
