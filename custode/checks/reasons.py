"""Check reasons in the reader's language.

Checks write their reasons in English ("status 503, expected 200") and they are stored that way
(``Monitor.last_reason``, ``StateChange.reason``); ``say`` words one for a reader of Italian or Spanish
when it is shown. Every reason a check writes has its phrase here, in the order of the modules that
write them (``custode/checks/tests/test_reasons.py`` reads the checks to make sure). A value inside a
reason (a host, a status code, a server's own words) is shown as it is; a reason that no phrase matches
(a server's or the operating system's own words) is shown as it is.
"""

from __future__ import annotations

from babel.units import format_unit

from custode.lib.phrasebook import NESTED, Phrase, Phrasebook, replace


def say(reason: str, language: str | None) -> str:
    """REASON as a reader of LANGUAGE reads it: 'connessione rifiutata' for 'connection refused'."""
    return REASONS.say(reason, language)


def _span(value: str, language: str) -> str:
    """A TLS check's '5 days' or '1 hour' in LANGUAGE."""
    number, _, unit = value.partition(" ")
    if not number.isdigit() or unit.rstrip("s") not in ("day", "hour"):
        return value
    return format_unit(int(number), f"duration-{unit.rstrip('s')}", length="long", locale=language)


_OR = replace(" or ", it=" o ", es=" o ")
_AND = replace(" and ", it=" e ", es=" y ")
_NESTED = {"reason": NESTED}
_RESOLVER = Phrasebook([Phrase("the system resolver", it="il resolver di sistema", es="el resolver del sistema"),
                        Phrase("resolver {server}", it="il resolver {server}", es="el resolver {server}")]).say
_REQUEST = Phrasebook([
    Phrase("unsupported URL {url}", it="URL non supportato {url}", es="URL no admitida {url}"),
    Phrase("bad port in {url}", it="porta errata in {url}", es="puerto incorrecto en {url}"),
    Phrase("header {name} contains a line break or a colon", it="l'intestazione {name} contiene un a capo o i due punti",
           es="la cabecera {name} contiene un salto de línea o dos puntos"),
]).say


def _cut(english: str, it: str, es: str) -> list[Phrase]:
    """A phrase about a response body, also as said when only the body's start was read."""
    return [Phrase(f"{english} (first {{size}} KiB read)", it=f"{it} (letti solo i primi {{size}} KiB)",
                   es=f"{es} (solo se han leído los primeros {{size}} KiB)"),
            Phrase(english, it=it, es=es)]


REASONS = Phrasebook([
    # custode.checks.errors.reason_for: what a socket, the resolver or TLS said
    Phrase("connection refused", it="connessione rifiutata", es="conexión rechazada"),
    Phrase("connection reset by peer", it="connessione interrotta dall'altro capo",
           es="conexión interrumpida por el otro extremo"),
    Phrase("network unreachable", it="rete non raggiungibile", es="red inaccesible"),
    Phrase("no route to host", it="nessun instradamento verso l'host", es="no hay ruta hacia el host"),
    Phrase("connection timed out", it="tempo scaduto durante la connessione",
           es="se agotó el tiempo de espera de la conexión"),
    Phrase("connection closed by peer", it="connessione chiusa dall'altro capo",
           es="el otro extremo cerró la conexión"),
    Phrase("timed out after {wait} waiting for a reply", it="nessuna risposta ricevuta entro {wait}",
           es="no llegó ninguna respuesta en {wait}"),
    Phrase("timed out after {wait}", it="nessuna risposta entro {wait}", es="sin respuesta en {wait}"),
    Phrase("timed out", it="tempo scaduto", es="tiempo de espera agotado"),
    Phrase("DNS: cannot resolve the host", it="DNS: impossibile risolvere il nome dell'host",
           es="DNS: no se puede resolver el nombre del host"),
    Phrase("DNS: cannot resolve resolver {host}", it="DNS: impossibile trovare l'indirizzo del resolver {host}",
           es="DNS: no se encuentra la dirección del resolver {host}"),
    Phrase("DNS: cannot resolve {host}", it="DNS: impossibile risolvere {host}", es="DNS: no se puede resolver {host}"),
    Phrase("TLS: handshake failed ({detail})", it="TLS: negoziazione non riuscita ({detail})",
           es="TLS: falló la negociación ({detail})"),
    Phrase("TLS: {reason}", it="TLS: {reason}", es="TLS: {reason}", words=_NESTED),
    Phrase("certificate is not yet valid", it="certificato non ancora valido", es="el certificado aún no es válido"),
    Phrase("certificate has expired", it="certificato scaduto", es="el certificado ha caducado"),
    Phrase("self-signed certificate in the chain", it="certificato autofirmato nella catena",
           es="certificado autofirmado en la cadena"),
    Phrase("self-signed certificate", it="certificato autofirmato", es="certificado autofirmado"),
    Phrase("certificate signed by an unknown authority", it="certificato firmato da un'autorità sconosciuta",
           es="certificado firmado por una autoridad desconocida"),
    Phrase("certificate is not valid for {host}", it="certificato non valido per {host}",
           es="el certificado no es válido para {host}"),
    Phrase("certificate does not match the host name", it="il certificato non corrisponde al nome dell'host",
           es="el certificado no corresponde al nombre del host"),
    Phrase("certificate {detail}", it="certificato: {detail}", es="certificado: {detail}"),  # OpenSSL's words
    Phrase("check failed: {error}", it="controllo non riuscito: {error}", es="la comprobación falló: {error}"),
    Phrase("too many pings in flight", it="troppi ping in corso", es="demasiados pings en curso"),
    # the engine, and secrets read from the environment
    Phrase("the check could not run: {reason}", it="impossibile eseguire il controllo: {reason}",
           es="no se pudo ejecutar la comprobación: {reason}", words=_NESTED),
    Phrase("environment variable {name} is not set", it="la variabile d'ambiente {name} non è impostata",
           es="la variable de entorno {name} no está definida"),
    # http, httpclient
    Phrase("status {code}, expected {expected}", it="codice di stato {code}, atteso {expected}",
           es="código de estado {code}, se esperaba {expected}", words={"expected": _OR}),
    Phrase("header {name} is missing, expected {wanted}", it="manca l'intestazione {name}, attesa {wanted}",
           es="falta la cabecera {name}, se esperaba {wanted}"),
    Phrase("header {name} is {actual}, expected {wanted}", it="l'intestazione {name} vale {actual}, attesa {wanted}",
           es="la cabecera {name} es {actual}, se esperaba {wanted}"),
    *_cut("body does not contain {text}", it="la risposta non contiene {text}", es="la respuesta no contiene {text}"),
    *_cut("body does not match /{regex}/", it="la risposta non corrisponde a /{regex}/",
          es="la respuesta no coincide con /{regex}/"),
    *_cut("body is not JSON", it="la risposta non è JSON", es="la respuesta no es JSON"),
    Phrase("JSON {path} is missing, expected {wanted}", it="JSON: manca {path}, atteso {wanted}",
           es="JSON: falta {path}, se esperaba {wanted}"),
    Phrase("JSON {path} is {actual}, expected {wanted}", it="JSON: {path} vale {actual}, atteso {wanted}",
           es="JSON: {path} es {actual}, se esperaba {wanted}"),
    Phrase("slow: {took}, limit {limit}", it="risposta lenta: {took}, limite {limit}",
           es="respuesta lenta: {took}, límite {limit}"),
    Phrase("invalid request: {problem}", it="richiesta non valida: {problem}", es="petición no válida: {problem}",
           words={"problem": _REQUEST}),
    Phrase("invalid HTTP response from server", it="risposta HTTP non valida dal server",
           es="respuesta HTTP no válida del servidor"),
    Phrase("server closed the connection without a response", it="il server ha chiuso la connessione senza rispondere",
           es="el servidor cerró la conexión sin responder"),
    Phrase("connection closed before the response was complete",
           it="connessione chiusa prima che la risposta fosse completa",
           es="la conexión se cerró antes de completar la respuesta"),
    Phrase("too many redirects ({limit})", it="troppi reindirizzamenti ({limit})",
           es="demasiadas redirecciones ({limit})"),
    Phrase("redirect to an unsupported location {location}", it="reindirizzamento a un indirizzo non supportato: {location}",
           es="redirección a una dirección no admitida: {location}"),
    # dns
    Phrase("DNS: NXDOMAIN for {name}", it="DNS: il dominio {name} non esiste (NXDOMAIN)",
           es="DNS: el dominio {name} no existe (NXDOMAIN)"),
    Phrase("DNS: no {record} record for {name}", it="DNS: nessun record {record} per {name}",
           es="DNS: ningún registro {record} para {name}"),
    Phrase("DNS: {record} is {values}, expected {expected}", it="DNS: il record {record} vale {values}, atteso {expected}",
           es="DNS: el registro {record} es {values}, se esperaba {expected}", words={"values": _AND, "expected": _AND}),
    Phrase("DNS: resolver {server} failed: {reason}", it="DNS: errore del resolver {server}: {reason}",
           es="DNS: error del resolver {server}: {reason}", words=_NESTED),
    Phrase("DNS: no resolver answered", it="DNS: nessun resolver ha risposto", es="DNS: ningún resolver ha respondido"),
    Phrase("DNS: {who} did not answer (timed out after {wait})", it="DNS: {who} non ha risposto entro {wait}",
           es="DNS: {who} no ha respondido en {wait}", words={"who": _RESOLVER}),
    Phrase("DNS: no resolver configured (no nameserver in /etc/resolv.conf)",
           it="DNS: nessun resolver configurato (nessun nameserver in /etc/resolv.conf)",
           es="DNS: no hay ningún resolver configurado (ningún nameserver en /etc/resolv.conf)"),
    # tcp
    Phrase("expected {expected} in the reply, got {got} within {wait}",
           it="la risposta non contiene {expected}: ricevuto {got} entro {wait}",
           es="la respuesta no contiene {expected}: se recibió {got} en {wait}"),
    Phrase("expected {expected} in the reply, got {got}", it="la risposta non contiene {expected}: ricevuto {got}",
           es="la respuesta no contiene {expected}: se recibió {got}"),
    Phrase("connection closed before reply", it="connessione chiusa prima della risposta",
           es="la conexión se cerró antes de la respuesta"),
    # tls
    Phrase("TLS certificate expired {span} ago ({date})", it="certificato TLS scaduto da {span} ({date})",
           es="el certificado TLS caducó hace {span} ({date})", words={"span": _span}),
    Phrase("TLS certificate expires in {span} ({date})", it="il certificato TLS scade tra {span} ({date})",
           es="el certificado TLS caduca dentro de {span} ({date})", words={"span": _span}),
    Phrase("TLS certificate is not valid before {moment} UTC", it="certificato TLS non valido prima del {moment} UTC",
           es="el certificado TLS no es válido antes del {moment} UTC"),
    Phrase("TLS certificate is self-signed", it="certificato TLS autofirmato", es="el certificado TLS es autofirmado"),
    Phrase("TLS certificate is not trusted: issued by {issuer}, an unknown authority",
           it="certificato TLS non attendibile: emesso da {issuer}, un'autorità sconosciuta",
           es="certificado TLS no fiable: emitido por {issuer}, una autoridad desconocida"),
    Phrase("TLS certificate is for no name, not {host}", it="il certificato TLS non indica alcun nome, non vale per {host}",
           es="el certificado TLS no indica ningún nombre, no vale para {host}"),
    Phrase("TLS certificate is for {names}, not {host}", it="il certificato TLS è per {names}, non per {host}",
           es="el certificado TLS es para {names}, no para {host}"),
    Phrase("TLS certificate rejected: {detail}", it="certificato TLS rifiutato: {detail}",
           es="certificado TLS rechazado: {detail}"),
    # push
    Phrase("the job reported a failure (/fail)", it="il job ha segnalato un errore (/fail)",
           es="el trabajo ha notificado un fallo (/fail)"),
    Phrase("the job exited with code {code}", it="il job è terminato con il codice {code}",
           es="el trabajo terminó con el código {code}"),
    Phrase("started {ago} ago, never finished (grace {grace})", it="avviato {ago} fa, mai concluso (tolleranza {grace})",
           es="empezó hace {ago} y no terminó (margen de {grace})"),
    Phrase("no ping for {silence}; expected every {every} + {grace} grace",
           it="nessun ping da {silence}; atteso ogni {every} + {grace} di tolleranza",
           es="ningún ping desde hace {silence}; se esperaba cada {every} + {grace} de margen"),
    Phrase("never pinged since it was created {ago} ago; expected every {every} + {grace} grace",
           it="nessun ping da quando è stato creato, {ago} fa; atteso ogni {every} + {grace} di tolleranza",
           es="ningún ping desde que se creó, hace {ago}; se esperaba cada {every} + {grace} de margen"),
    # redis
    Phrase("Redis: PING was not answered with PONG", it="Redis: il PING non ha ricevuto PONG come risposta",
           es="Redis: el PING no recibió PONG como respuesta"),
    Phrase("Redis: invalid username-password pair or user is disabled",
           it="Redis: nome utente o password non validi, oppure utente disabilitato",
           es="Redis: usuario o contraseña no válidos, o usuario deshabilitado"),
    Phrase("Redis: NOAUTH authentication required", it="Redis: serve l'autenticazione (NOAUTH)",
           es="Redis: se requiere autenticación (NOAUTH)"),
    Phrase("Redis: DB index is out of range", it="Redis: numero di database fuori intervallo",
           es="Redis: número de base de datos fuera de rango"),
    # smtp
    Phrase("SMTP: not an SMTP server, it said {said}", it="SMTP: non è un server SMTP, ha risposto {said}",
           es="SMTP: no es un servidor SMTP, ha respondido {said}"),
    Phrase("SMTP: banner {reply}", it="SMTP: saluto iniziale {reply}", es="SMTP: saludo inicial {reply}"),
    Phrase("SMTP: EHLO answered {reply}", it="SMTP: risposta a EHLO {reply}", es="SMTP: respuesta a EHLO {reply}"),
    Phrase("SMTP: STARTTLS not offered", it="SMTP: STARTTLS non disponibile", es="SMTP: STARTTLS no disponible"),
    Phrase("SMTP: STARTTLS answered {reply}", it="SMTP: risposta a STARTTLS {reply}",
           es="SMTP: respuesta a STARTTLS {reply}"),
    Phrase("SMTP: connection closed before the banner", it="SMTP: connessione chiusa prima del saluto iniziale",
           es="SMTP: conexión cerrada antes del saludo inicial"),
    Phrase("SMTP: connection closed by the server", it="SMTP: il server ha chiuso la connessione",
           es="SMTP: el servidor cerró la conexión"),
    # custode.engine.quorum: a monitor checked from several locations, failing from some of them
    Phrase("down from {where}: {reason}", it="non disponibile visto da {where}: {reason}",
           es="caído visto desde {where}: {reason}", words=_NESTED),
    Phrase("degraded from {where}: {reason}", it="degradato visto da {where}: {reason}",
           es="degradado visto desde {where}: {reason}", words=_NESTED),
    Phrase("{first}; {then}", it="{first}; {then}", es="{first}; {then}", words={"first": NESTED, "then": NESTED}),
    # ping
    Phrase("no reply to ping from {host}", it="nessuna risposta al ping da {host}",
           es="ninguna respuesta al ping de {host}"),
    Phrase("ping failed: {detail}", it="ping non riuscito: {detail}", es="el ping falló: {detail}"),
    Phrase("ping not permitted: run as root or allow ICMP sockets (sysctl net.ipv4.ping_group_range)",
           it="ping non consentito: serve l'esecuzione come root o l'abilitazione dei socket ICMP "
              "(sysctl net.ipv4.ping_group_range)",
           es="ping no permitido: hay que ejecutarlo como root o habilitar los sockets ICMP "
              "(sysctl net.ipv4.ping_group_range)"),
    # mysql, postgres
    Phrase("{db}: query returned no rows, expected {expected}", it="{db}: la query non ha restituito righe, atteso {expected}",
           es="{db}: la consulta no devolvió ninguna fila, se esperaba {expected}"),
    Phrase("{db}: query returned {got}, expected {expected}", it="{db}: la query ha restituito {got}, atteso {expected}",
           es="{db}: la consulta devolvió {got}, se esperaba {expected}"),
    Phrase("{db}: query failed: {detail}", it="{db}: query non riuscita: {detail}", es="{db}: la consulta falló: {detail}"),
    Phrase("MySQL: access denied for user {user} to database {database}",
           it="MySQL: accesso negato all'utente {user} sul database {database}",
           es="MySQL: acceso denegado al usuario {user} en la base de datos {database}"),
    Phrase("MySQL: access denied for user {user}", it="MySQL: accesso negato all'utente {user}",
           es="MySQL: acceso denegado al usuario {user}"),
    Phrase("MySQL: unknown database {database}", it="MySQL: il database {database} non esiste",
           es="MySQL: la base de datos {database} no existe"),
    Phrase("MySQL: too many connections", it="MySQL: troppe connessioni", es="MySQL: demasiadas conexiones"),
    Phrase("PostgreSQL: role {role} does not exist", it="PostgreSQL: il ruolo {role} non esiste",
           es="PostgreSQL: el rol {role} no existe"),
    Phrase("PostgreSQL: database {database} does not exist", it="PostgreSQL: il database {database} non esiste",
           es="PostgreSQL: la base de datos {database} no existe"),
    Phrase("PostgreSQL: password authentication failed for user {user}",
           it="PostgreSQL: autenticazione con password non riuscita per l'utente {user}",
           es="PostgreSQL: falló la autenticación por contraseña del usuario {user}"),
])
