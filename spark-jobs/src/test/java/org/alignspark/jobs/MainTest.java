package org.alignspark.jobs;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.alignspark.Main;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {

    @Test
    void everyJobListsEveryOptionWithItsDefault() {
        CommandLine main = new CommandLine(new Main());
        assertFalse(main.getSubcommands().isEmpty());
        for (CommandLine job : main.getSubcommands().values()) {
            String help = job.getUsageMessage();
            String unwrapped = help.replaceAll("\\s+", " ");   // long defaults wrap onto the next line
            for (OptionSpec option : job.getCommandSpec().options()) {
                if (option.hidden()) {
                    continue;
                }
                String shown = option.negatable() ? "--[no-]" + option.longestName().substring(2) : option.longestName();
                assertTrue(help.contains(shown), job.getCommandName() + " --help lacks " + shown);
                if (option.defaultValue() != null) {
                    assertTrue(unwrapped.contains("Default: " + option.defaultValue().replaceAll("\\s+", " ")),
                            job.getCommandName() + " --help lacks the default of " + option.longestName());
                }
            }
        }
    }

    @Test
    void badOptionsFailWithAMessageAndNonZeroExit() {
        assertEquals(2, Main.run("ingest", "--format", "trl"));
        assertEquals(1, Main.run("ingest", "--format", "no-such-format", "--input", "x", "--dataset", "d", "--dt", "2026-01-01"));
        assertEquals(1, Main.run("ingest", "--format", "trl", "--input", "x", "--dataset", "Bad-Name", "--dt", "2026-01-01"));
        assertEquals(1, Main.run("ingest", "--format", "trl", "--input", "x", "--dataset", "d", "--dt", "2026-13-45"));
    }

    @Test
    void helpListsEveryJob() {
        StringWriter out = new StringWriter();
        CommandLine main = new CommandLine(new Main());
        main.setOut(new PrintWriter(out));
        assertEquals(0, main.execute("--help"));
        assertTrue(out.toString().contains("ingest"));
        assertTrue(out.toString().contains("sql"));
    }
}
