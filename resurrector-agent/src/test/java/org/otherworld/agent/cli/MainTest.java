package org.otherworld.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The recovery-path commands built alone are the same commands as in the whole tree. */
class MainTest {
    @Test
    void commandsBuiltAloneAreTheTreesOwn() {
        Map<String, CommandLine> tree = Main.commandLine().getSubcommands();
        for (Map.Entry<String, Supplier<Object>> e : Main.ALONE.entrySet()) {
            CommandLine sub = tree.get(e.getKey());
            assertTrue(sub != null, e.getKey() + " is a subcommand of otherworld");
            CommandLine alone = new CommandLine(e.getValue().get());
            assertEquals(sub.getCommandSpec().userObject().getClass(), alone.getCommandSpec().userObject().getClass());
            assertEquals(sub.getCommandSpec().options().size(), alone.getCommandSpec().options().size(), e.getKey());
            assertEquals(e.getKey(), alone.getCommandName());
        }
    }

    @Test
    void aBadOptionOfACommandBuiltAloneIsReportedWithItsOwnOptions() {
        CommandLine cl = Main.handled(new CommandLine(Main.ALONE.get("resurrect").get()));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertEquals(2, cl.execute("--out", "/tmp/x", "--no-such-option"));
        assertTrue(err.toString().startsWith("Unknown option: '--no-such-option'"), err.toString());
        assertTrue(err.toString().contains("--no-flush"), "picocli names the command's own options: " + err);
    }
}
