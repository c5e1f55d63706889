package org.alignspark.common.selfcorrect;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

import org.alignspark.common.tokenizer.Message;

/** One SCoRe training prompt: its turns (roles and contents side by side) and the reference answer the verifier checks. */
public record ScorePrompt(String promptId, String[] roles, String[] contents, String reference) implements Serializable {
    public ScorePrompt {
        if (roles.length != contents.length || roles.length == 0) {
            throw new IllegalArgumentException("prompt " + promptId + " needs the same non-zero number of roles and contents");
        }
    }

    public static ScorePrompt of(String promptId, List<Message> prompt, String reference) {
        return new ScorePrompt(promptId, prompt.stream().map(Message::role).toArray(String[]::new),
                prompt.stream().map(Message::content).toArray(String[]::new), reference);
    }

    public List<Message> messages() {
        List<Message> out = new ArrayList<>(roles.length);
        for (int i = 0; i < roles.length; i++) {
            out.add(new Message(roles[i], contents[i]));
        }
        return out;
    }
}
