/** Until the console (with sign-in) lands, the server shows no data to anonymous visitors. */
export default function Home() {
  return (
    <main>
      <h1>Vigil</h1>
      <p>The server is running and agents can ship their events here.</p>
      <p>
        Read events with an API token: <code>npm run -s vigil -- token create --role viewer</code>, then{" "}
        <code>curl -H "Authorization: Bearer $TOKEN" http://localhost:3000/api/v1/events?limit=20</code>.
      </p>
    </main>
  );
}
