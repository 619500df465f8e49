//! The command line of the `gophertok` binary: no arguments runs the all-in-one (as it always
//! has); `gophertok mesh` reports the live mesh and exits.

use std::time::Duration;

use anyhow::bail;
use settings::args::Args;

use crate::mesh_report as mesh;

pub const USAGE: &str = "\
usage: gophertok                 run the edge and every worker in one process
       gophertok mesh [--json] [--window-ms N]
                                 list the live services (instances, endpoints, stats from
                                 $SRV.PING/INFO/STATS) and the streams and consumers
                                 (messages, pending, ack pending, redelivered, lag, dead
                                 letters), then exit; --window-ms: how long to gather
                                 replies (default 500); settings as for the all-in-one
       gophertok config get [KEY] | set KEY VALUE | delete KEY | watch
                                 the config centre (run-time settings; `gophertok config`
                                 alone lists its commands)
       gophertok help            this text";

/// What the arguments ask for.
#[derive(Debug, PartialEq)]
pub enum Command {
    AllInOne,
    Mesh(mesh::Options),
    Config(crate::config::Command),
    Help,
}

/// Reads the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = String>) -> anyhow::Result<Command> {
    let mut args = args.into_iter();
    let Some(command) = args.next() else {
        return Ok(Command::AllInOne);
    };
    match command.as_str() {
        "mesh" => {
            let args = Args::parse_with_switches(args, &["window-ms"], &["json"])?;
            let window = Duration::from_millis(args.get("window-ms", 500)?);
            Ok(Command::Mesh(mesh::Options {
                json: args.switch("json"),
                window,
            }))
        }
        "config" => Ok(Command::Config(crate::config::parse(args)?)),
        "help" | "--help" | "-h" => Ok(Command::Help),
        other => bail!("unknown command {other:?}\n{USAGE}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_list(list: &[&str]) -> anyhow::Result<Command> {
        parse(list.iter().map(|s| s.to_string()))
    }

    #[test]
    fn no_arguments_run_the_all_in_one() {
        assert_eq!(parse_list(&[]).unwrap(), Command::AllInOne);
    }

    #[test]
    fn mesh_reads_its_flags_and_refuses_others() {
        let expected = mesh::Options {
            json: true,
            window: Duration::from_millis(200),
        };
        let got = parse_list(&["mesh", "--json", "--window-ms", "200"]).unwrap();
        assert_eq!(got, Command::Mesh(expected));
        let plain = parse_list(&["mesh"]).unwrap();
        assert_eq!(
            plain,
            Command::Mesh(mesh::Options {
                json: false,
                window: Duration::from_millis(500)
            })
        );
        assert!(parse_list(&["mesh", "--jsn"]).is_err());
        assert!(parse_list(&["mesh", "--window-ms", "soon"]).is_err());
        assert!(parse_list(&["serve"]).is_err());
        assert_eq!(parse_list(&["--help"]).unwrap(), Command::Help);
    }
}
