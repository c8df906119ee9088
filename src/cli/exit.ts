/** How a command's action hands its exit code to main (which alone ends the process). */
export type Exit = (code: number) => void;
