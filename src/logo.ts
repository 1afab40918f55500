// redis-server's start-up logo (asciilogo.h), with the same fields: version, mode, port and PID.
// Shown as Redis does: with `always-show-logo yes`, or when logging to stdout that is a terminal;
// otherwise one "Running mode=..., port=..." line stands for it.
import { FERRITE_VERSION, REDIS_COMPAT_VERSION } from './engine/server-context.js';

export function asciiLogo(port: number, pid: number): string {
  return [
    '                _._                                                  ',
    "           _.-``__ ''-._                                             ",
    `      _.-\`\`    \`.  \`_.  ''-._           Ferrite ${FERRITE_VERSION} (Redis ${REDIS_COMPAT_VERSION} compatible) 64 bit`,
    "  .-`` .-```.  ```\\/    _.,_ ''-._                                  ",
    " (    '      ,       .-`  | `,    )     Running in standalone mode",
    ` |\`-._\`-...-\` __...-.\`\`-._|'\` _.-'|     Port: ${port}`,
    ` |    \`-._   \`._    /     _.-'    |     PID: ${pid}`,
    "  `-._    `-._  `-./  _.-'    _.-'                                   ",
    " |`-._`-._    `-.__.-'    _.-'_.-'|                                  ",
    " |    `-._`-._        _.-'_.-'    |                                  ",
    "  `-._    `-._`-.__.-'_.-'    _.-'                                   ",
    " |`-._`-._    `-.__.-'    _.-'_.-'|                                  ",
    " |    `-._`-._        _.-'_.-'    |                                  ",
    "  `-._    `-._`-.__.-'_.-'    _.-'                                   ",
    "      `-._    `-.__.-'    _.-'                                       ",
    "          `-._        _.-'                                           ",
    "              `-.__.-'                                               ",
    '',
    '',
  ].join('\n');
}

/** Redis' rule: the logo when asked for, or when the log goes to a terminal. */
export function showLogo(alwaysShowLogo: boolean, logfile: string, syslog: boolean): boolean {
  return alwaysShowLogo || (!syslog && logfile === '' && process.stdout.isTTY === true);
}
