package org.alignspark;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code train-policy --loss X}, the one policy trainer of earlier releases, kept so existing DAGs and configs keep
 * working: it names the trainer of that objective, {@code train-dpo} for the DPO family (which keeps {@code --loss}),
 * {@code train-kto}, {@code train-bco} and {@code train-list-ranking} for the others.
 */
final class PolicyTrainerAlias {
    static final String ALIAS = "train-policy";
    /** The trainers the alias may name; their options together are the alias's. */
    static final List<String> TRAINERS = List.of("train-dpo", "train-kto", "train-bco", "train-list-ranking");

    private PolicyTrainerAlias() {}

    static String[] resolve(String[] args) {
        if (args.length == 0 || !args[0].equals(ALIAS)) {
            return args;
        }
        String loss = "sigmoid";
        List<String> rest = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--loss") && i + 1 < args.length) {
                loss = args[++i];
            } else if (args[i].startsWith("--loss=")) {
                loss = args[i].substring("--loss=".length());
            } else {
                rest.add(args[i]);
            }
        }
        String trainer = switch (loss.toLowerCase(Locale.ROOT)) {
            case "kto" -> "train-kto";
            case "bco" -> "train-bco";
            case "list-ranking" -> "train-list-ranking";
            default -> "train-dpo";
        };
        List<String> resolved = new ArrayList<>(List.of(trainer));
        if (trainer.equals("train-dpo")) {
            resolved.addAll(List.of("--loss", loss));
        }
        resolved.addAll(rest);
        return resolved.toArray(String[]::new);
    }
}
