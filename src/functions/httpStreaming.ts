import { app } from '@azure/functions';

// Response bodies go to the host as they are written (the event-stream routes need it; Flex Consumption supports
// it). Every other route answers as before: its body is simply written in one piece.
app.setup({ enableHttpStream: true });
